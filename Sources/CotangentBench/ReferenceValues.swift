// Output fingerprints every check compares against.
//
// Entries marked "reference_values.json" are copied verbatim from
// ../shared/bench/reference_values.json (`python workloads.py`, WORKLOADS.md §4). Entries marked
// "quick sizes" are not in that file (it has the full sizes only); they were computed once with
// the same `workloads.py` functions and numpy 2.4 (W3 n=1e6, W4 n=1e5 and the W4 forward
// output, W7 D=30).

enum Reference {
    /// Fingerprints by entry name, as (key, value) pairs.
    static let values: [String: [(String, Double)]] = [
        // reference_values.json
        "W2 n=1000000": [
            ("value", 315538.0654089101), ("sum(gx)", -922.3494618010532), ("sum(gy)", 415.74797609820524),
            ("gx[0]", -0.3939852440313527), ("gy[-1]", -0.5272758574086112),
        ],
        "W2 n=10000000": [
            ("value", 3157497.2066955715), ("sum(gx)", -2994.183376454293), ("sum(gy)", 2731.614512829254),
            ("gx[0]", -0.3939852440313527), ("gy[-1]", 0.986440126396788),
        ],
        "W3 n=10000000": [
            ("sum(xbar)", -3535913250.6646123), ("xbar[0]", 911.467399307102), ("xbar[-1]", -0.30808716675651326),
        ],
        "W4 n=1000000 k=64": [
            ("value", 391.16294136911483), ("sum(gx)", 1938.132801220303), ("gk[0]", 229.40309052263623),
            ("sum(gk)", -2700.9609444728007),
        ],
        "W5 float64": [
            ("loss", 2.5500855392585025), ("sum(gW1)", 117.5892285836955), ("sum(gb1)", 0.30049014873277746),
            ("sum(|gW2|)", 108.41961959830309), ("gW2[0,0]", -0.019393064233993992),
            ("gb2[0]", -0.02557181843755489), ("sum(y)", 1102),
        ],
        "W5 float32": [
            ("loss", 2.5500855445861816), ("sum(gW1)", 117.5892333984375), ("sum(gb1)", 0.300490140914917),
            ("sum(|gW2|)", 108.41962432861328), ("gW2[0,0]", -0.0193930696696043),
            ("gb2[0]", -0.025571823120117188), ("sum(y)", 1102),
        ],
        "W6 n=100": [
            ("sum(J)", 0.03296761842086582), ("J[0,0]", -0.03986532792483485), ("trace(J)", 0.017572088618247855),
        ],
        "W6 n=500": [
            ("sum(J)", 10.032908503928105), ("J[0,0]", -0.019659157323332326), ("trace(J)", 0.5117235190397365),
        ],
        "W7 D=10": [("loss", -0.5256857603549108), ("sum(grad)", 34.75915276910222), ("grad[0]", 4.017564597676277)],
        "W7 D=100": [("loss", -4.892590713074794), ("sum(grad)", 15.071928097015505), ("grad[0]", 1.1390047669806806)],
        "W7 D=1000": [("loss", -6.137918088404989), ("sum(grad)", 1.6635965180919736), ("grad[0]", 0.1170944183345037)],
        "W8 n=100": [("f(x)", 18519.41252399904), ("sum(H)", 117440.1672508287), ("trace(H)", 110561.6125764994)],
        // quick sizes (workloads.py + numpy 2.4, computed once)
        "W3 n=1000000": [
            ("sum(xbar)", -160126172.62613547), ("xbar[0]", 20.90915704414202), ("xbar[-1]", -0.6722211906048932),
        ],
        "W4 n=100000 k=64": [
            ("value", -912.004683353801), ("sum(gx)", 715.60870050809), ("gk[0]", 239.3533355834354),
            ("sum(gk)", -1119.1711511713238),
        ],
        "W4 forward n=100000 k=64": [("sum(conv)", 2063.2741208965135), ("conv[0]", 0.10626395427508331)],
        "W4 forward n=1000000 k=64": [
            ("sum(conv)", -1306.1439517399767), ("conv[0]", 0.10626395427508331), ("conv[-1]", -0.05694412648181269),
        ],
        "W7 D=30": [("loss", -2.6590102103862936), ("sum(grad)", 30.29319313242884), ("grad[0]", 3.1350539372790873)],
    ]

    /// The full W1 outputs (reference_values.json "W1a"…"W1d"), row-major with their shapes.
    static let w1: [String: (shape: [Int], values: [Double])] = [
        "W1a": ([3, 3], [2.0, 0, 0, 0, 0.6666666666666666, 0, 0, 0, 0.4]),
        "W1b": ([3], [-0.5, -1.5, 0.5]),
        "W1c": ([4, 2], [0.5, 0, 1.5, 0.5, 2.5, 1.5, 0, 2.5]),
        "W1d": ([3], [6.0, 1.3333333333333333, 0.4]),
    ]

    /// The fingerprint `key` of entry `name`.
    static func value(_ name: String, _ key: String) -> Double? {
        values[name]?.first { $0.0 == key }?.1
    }
}
