import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentGraph
@testable import CotangentOps

/// One unary special function on a grid that includes its tails and poles: scipy 1.17's float64
/// values, and float32 values (scipy's float64 result on the float32-rounded input, rounded once,
/// which is Cotangent's definition of the float32 op).
struct SpecialUnaryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let inputs: [Double]
    let float64: [Double]
    let float32: [Float]

    init(_ name: String, inputs: [Double], float64: [Double], float32: [Float]) {
        self.name = name
        self.inputs = inputs
        self.float64 = float64
        self.float32 = float32
    }

    var testDescription: String { name }
}

/// One binary special function over the outer grid of `a` (rows) and `b` (columns).
struct SpecialBinaryCase: Sendable, CustomTestStringConvertible {
    let name: String
    let a: [Double]
    let b: [Double]
    let float64: [Double]

    init(_ name: String, a: [Double], b: [Double], float64: [Double]) {
        self.name = name
        self.a = a
        self.b = b
        self.float64 = float64
    }

    var testDescription: String { name }
}

/// The special functions' graph ops against scipy (`scipy.special`, numpy for `sinc`/`hypot`,
/// `log1p(-exp(x))`/`log(-expm1(x))` for `log1mexp`), computed once and committed as literals.
/// Bounds, relative, float64: 1e-13 for most; stated per function where the formula loses more
/// (large-argument gamma through its exponential, incomplete integrals with large parameters).
/// Float32: within 1 ulp of the rounded float64 value. Where Cotangent is exact and the reference
/// is not, the literal is the exact value: `sinc` at nonzero integers is 0 (numpy's `sin(πx)/(πx)`
/// leaves 4e-17), `erfinv(-0.0)` is −0 (erfinv is odd), `erfcinv(1)` and `logNormalCDF(inf)` are +0.
/// `betaln`'s literals come from mpmath at 400 digits: scipy's lose 1e-11 relative at b = 1e5.
@Suite("Special-function ops")
struct SpecialFunctionOpTests {
    static let unary: [String: @Sendable (Variable) -> Variable] = [
        "gamma": { gamma($0) }, "digamma": { digamma($0) }, "erfinv": { erfinv($0) }, "erfcinv": { erfcinv($0) },
        "erfcx": { erfcx($0) }, "logNormalCDF": { logNormalCDF($0) }, "logNormalSF": { logNormalSF($0) },
        "logit": { logit($0) }, "expit": { expit($0) }, "log1pexp": { log1pexp($0) }, "log1mexp": { log1mexp($0) },
        "sinc": { sinc($0) },
    ]
    static let binary: [String: @Sendable (Variable, Variable) -> Variable] = [
        "polygamma": { polygamma($0, $1) }, "betaln": { betaln($0, $1) }, "beta": { beta($0, $1) },
        "gammainc": { gammainc($0, $1) }, "gammaincc": { gammaincc($0, $1) }, "logdiffexp": { logdiffexp($0, $1) },
        "xlogy": { xlogy($0, $1) }, "xlog1py": { xlog1py($0, $1) }, "hypot": { hypot($0, $1) },
    ]
    /// Relative bounds that differ from the default 1e-13.
    static let bounds: [String: Double] = [
        // P(100, 1) = 3.98e-159: the series' prefactor exp(a log x − x − log Γ(a + 1)) loses 1.1e-13.
        "gammainc": 2e-13, "gammaincc": 2e-13,
    ]

    @Test(arguments: unaryCases)
    func unaryMatchesScipy(_ c: SpecialUnaryCase) throws {
        let f = try #require(Self.unary[c.name])
        let x = Tensor.vector("x")
        let float64 = try f(x).eval([x: NDArray(c.inputs)])
        #expect(float64.dtype == .float64 && float64.shape == [c.inputs.count])
        expectClose(
            float64.asArray(Double.self), c.float64, inputs: c.inputs.map { "\($0)" },
            relative: Self.bounds[c.name] ?? 1e-13, "\(c.name) float64")
        let x32 = Tensor.vector("x", dtype: .float32)
        let float32 = try f(x32).eval([x32: NDArray(c.inputs.map { Float($0) })])
        #expect(float32.dtype == .float32)
        expectClose(float32.asArray(Float.self), c.float32, inputs: c.inputs.map { "\(Float($0))" }, ulps: 1, "\(c.name) float32")
    }

    @Test(arguments: binaryCases)
    func binaryMatchesScipyWithBroadcasting(_ c: SpecialBinaryCase) throws {
        let f = try #require(Self.binary[c.name])
        let a = Tensor.matrix("a", shape: [c.a.count, 1])
        let b = Tensor.matrix("b", shape: [1, c.b.count])
        let value = try f(a, b).eval([a: NDArray(shape: [c.a.count, 1], elements: c.a), b: NDArray(shape: [1, c.b.count], elements: c.b)])
        #expect(value.dtype == .float64 && value.shape == [c.a.count, c.b.count])
        let inputs = c.a.flatMap { a in c.b.map { b in "(\(a), \(b))" } }
        expectClose(value.asArray(Double.self), c.float64, inputs: inputs, relative: Self.bounds[c.name] ?? 1e-13, c.name)
    }

    @Test func betaincMatchesScipyOverABroadcastGrid() throws {
        let parameters = [0.5, 2, 50]
        let points = [0, 1e-10, 0.3, 0.9, 1]
        let a = Tensor.tensor("a", dtype: .float64, shape: [3, 1, 1])
        let b = Tensor.tensor("b", dtype: .float64, shape: [1, 3, 1])
        let x = Tensor.tensor("x", dtype: .float64, shape: [1, 1, 5])
        let value = try betainc(a, b, x).eval([
            a: NDArray(shape: [3, 1, 1], elements: parameters), b: NDArray(shape: [1, 3, 1], elements: parameters),
            x: NDArray(shape: [1, 1, 5], elements: points),
        ])
        #expect(value.shape == [3, 3, 5] && value.dtype == .float64)
        let inputs = parameters.flatMap { a in parameters.flatMap { b in points.map { "(\(a), \(b), \($0))" } } }
        expectClose(value.asArray(Double.self), Self.betaincGrid, inputs: inputs, relative: 1e-13, "betainc")
    }

    static let unaryCases: [SpecialUnaryCase] = [
        SpecialUnaryCase(
            "gamma",
            inputs: [
                -2.5, -0.5, -0.0, 0.0, 1e-300, 1e-10,
                0.5, 1.0, 2.5, 10.0, 100.0, 171.5,
                172.0, -1.0, .infinity, .nan,
            ],
            float64: [
                -0.9453087204829419, -3.5449077018110318, -.infinity, .infinity, 9.999999999999999e+299, 9999999999.422785,
                1.7724538509055159, 1.0, 1.329340388179137, 362880.0, 9.332621544394417e+155, 9.483367566824803e+307,
                .infinity, .nan, .infinity, .nan,
            ],
            float32: [
                -0.9453087449073792, -3.544907808303833, -.infinity, .infinity, .infinity, 10000000000.0,
                1.7724539041519165, 1.0, 1.3293403387069702, 362880.0, .infinity, .infinity,
                .infinity, .nan, .infinity, .nan,
            ]),
        SpecialUnaryCase(
            "digamma",
            inputs: [
                -2.5, -0.5, 1e-300, 1e-08, 0.5, 1.0,
                1.5, 3.7, 1000.0, 1e+300, .infinity,
            ],
            float64: [
                1.1031566406452433, 0.03648997397857651, -9.999999999999999e+299, -100000000.57721564, -1.9635100260214235, -0.5772156649015329,
                0.03648997397857652, 1.1671535393615113, 6.907255195648812, 690.7755278982137, .infinity,
            ],
            float32: [
                1.1031566858291626, 0.036489974707365036, -.infinity, -100000000.0, -1.9635100364685059, -0.5772156715393066,
                0.036489974707365036, 1.1671535968780518, 6.907255172729492, .infinity, .infinity,
            ]),
        SpecialUnaryCase(
            "erfinv",
            inputs: [
                -1.0, -0.999999, -0.5, -1e-300, 0.0, 1e-10,
                0.3, 0.9999999999, 1.0, 1.5,
            ],
            float64: [
                -.infinity, -3.458910737275499, -0.4769362762044699, -8.86226925452758e-301, 0.0, 8.862269254527581e-11,
                0.2724627147267544, 4.572824958544925, .infinity, .nan,
            ],
            float32: [
                -.infinity, -3.4570746421813965, -0.4769362807273865, -0.0, 0.0, 8.862269251785904e-11,
                0.27246272563934326, .infinity, .infinity, .nan,
            ]),
        SpecialUnaryCase(
            "erfcinv",
            inputs: [
                0.0, 1e-300, 1e-100, 1e-10, 0.3, 1.0,
                1.7, 1.9999999999, 2.0, 2.5,
            ],
            float64: [
                .infinity, 26.209469960516124, 15.065574702592647, 4.572824967389486, 0.7328690779592171, 0.0,
                -0.7328690779592171, -4.572824958544925, -.infinity, .nan,
            ],
            float32: [
                .infinity, .infinity, .infinity, 4.572824954986572, 0.7328690886497498, 0.0,
                -0.7328691482543945, -.infinity, -.infinity, .nan,
            ]),
        SpecialUnaryCase(
            "erfcx",
            inputs: [
                -30.0, -5.0, -1.0, 0.0, 1e-10, 1.0,
                5.0, 30.0, 10000000000.0, 1e+300,
            ],
            float64: [
                .infinity, 144009798674.66104, 5.008980080762283, 1.0, 0.9999999998871619, 0.427583576155807,
                0.11070463773306861, 0.018795888861416754, 5.641895835477563e-11, 5.641895835477562e-301,
            ],
            float32: [
                .infinity, 144009805824.0, 5.0089802742004395, 1.0, 1.0, 0.42758357524871826,
                0.11070463806390762, 0.018795888870954514, 5.6418959781812106e-11, 0.0,
            ]),
        SpecialUnaryCase(
            "logNormalCDF",
            inputs: [
                -1e+300, -10000000000.0, -40.0, -10.0, -1.0, 0.0,
                1.0, 5.0, 10.0, 40.0, .infinity,
            ],
            float64: [
                -.infinity, -5.000000000000001e+19, -804.6084420137539, -53.23128515051248, -1.8410216450092634, -0.6931471805599453,
                -0.1727537790234499, -2.8665161296376294e-07, -7.61985302416047e-24, -0.0, 0.0,
            ],
            float32: [
                -.infinity, -5.000000100204387e+19, -804.6084594726562, -53.231285095214844, -1.8410216569900513, -0.6931471824645996,
                -0.17275378108024597, -2.866516126687202e-07, -7.619852819271277e-24, -0.0, 0.0,
            ]),
        SpecialUnaryCase(
            "logNormalSF",
            inputs: [
                -40.0, -1.0, 0.0, 1.0, 5.0, 10.0,
                40.0, 10000000000.0, 1e+300,
            ],
            float64: [
                -0.0, -0.1727537790234499, -0.6931471805599453, -1.8410216450092634, -15.064998393988727, -53.23128515051248,
                -804.6084420137539, -5.000000000000001e+19, -.infinity,
            ],
            float32: [
                -0.0, -0.17275378108024597, -0.6931471824645996, -1.8410216569900513, -15.064998626708984, -53.231285095214844,
                -804.6084594726562, -5.000000100204387e+19, -.infinity,
            ]),
        SpecialUnaryCase(
            "logit",
            inputs: [
                0.0, 1e-300, 1e-10, 0.25, 0.5, 0.75,
                0.9999999999, 1.0, 1.5, -0.5,
            ],
            float64: [
                -.infinity, -690.7755278982137, -23.025850929840455, -1.0986122886681098, 0.0, 1.0986122886681098,
                23.025850847100088, .infinity, .nan, .nan,
            ],
            float32: [
                -.infinity, -.infinity, -23.025850296020508, -1.0986123085021973, 0.0, 1.0986123085021973,
                .infinity, .infinity, .nan, .nan,
            ]),
        SpecialUnaryCase(
            "expit",
            inputs: [
                -1000.0, -40.0, -1.0, 0.0, 1e-10, 1.0,
                40.0, 1000.0,
            ],
            float64: [
                0.0, 4.248354255291589e-18, 0.2689414213699951, 0.5, 0.500000000025, 0.7310585786300049,
                1.0, 1.0,
            ],
            float32: [
                0.0, 4.24835413113866e-18, 0.2689414322376251, 0.5, 0.5, 0.7310585975646973,
                1.0, 1.0,
            ]),
        SpecialUnaryCase(
            "log1pexp",
            inputs: [
                -1000.0, -40.0, -1.0, 0.0, 1e-10, 1.0,
                20.0, 40.0, 1000.0,
            ],
            float64: [
                0.0, 4.248354255291589e-18, 0.31326168751822286, 0.6931471805599453, 0.6931471806099453, 1.3132616875182228,
                20.000000002061153, 40.0, 1000.0,
            ],
            float32: [
                0.0, 4.24835413113866e-18, 0.3132616877555847, 0.6931471824645996, 0.6931471824645996, 1.31326162815094,
                20.0, 40.0, 1000.0,
            ]),
        SpecialUnaryCase(
            "log1mexp",
            inputs: [
                -1e+300, -1000.0, -40.0, -1.0, -0.5, -1e-10,
                -1e-300, 0.0, 1.0,
            ],
            float64: [
                -0.0, -0.0, -4.248354255291589e-18, -0.45867514538708193, -0.9327521295671886, -23.025850929990458,
                -690.7755278982137, -.infinity, .nan,
            ],
            float32: [
                -0.0, -0.0, -4.24835413113866e-18, -0.4586751461029053, -0.9327521324157715, -23.025850296020508,
                -.infinity, -.infinity, .nan,
            ]),
        SpecialUnaryCase(
            "sinc",
            inputs: [
                -2.5, -1.0, -1e-10, 0.0, 1e-300, 0.5,
                1.0, 3.3, 10000000000.0,
            ],
            float64: [
                0.12732395447351627, 0.0, 1.0, 1.0, 1.0, 0.6366197723675814,
                0.0, -0.07803579012128542, 0.0,
            ],
            float32: [
                0.1273239552974701, 0.0, 1.0, 1.0, 1.0, 0.6366197466850281,
                0.0, -0.07803577929735184, 0.0,
            ]),
    ]

    static let binaryCases: [SpecialBinaryCase] = [
        SpecialBinaryCase(
            "polygamma",
            a: [
                0.0, 1.0, 2.0, 3.0,
            ],
            b: [
                -1.5, 0.5, 1.0, 7.3, 1000.0,
            ],
            float64: [
                0.7031566406452434, -1.9635100260214235, -0.5772156649015329, 1.917820335637986, 6.907255195648812, 9.379246644989124,
                4.93480220054468, 1.6449340668482266, 0.14679576813142703, 0.001000500166666633, -0.23620405164172825, -16.828796644234316,
                -2.404113806319188, -0.021510814441620257, -1.0010004999998335e-06, 194.59427621918758, 97.40909103400242, 6.493939402266829,
                0.00629315871319849, 2.003001999999e-09,
            ]),
        SpecialBinaryCase(
            "betaln",
            a: [
                1e-10, 0.5, 1.0, 10.0, 100000.0, 1e+300,
            ],
            b: [
                0.5, 3.0, 100000.0,
            ],
            float64: [
                23.025850930079088, 23.025850929790458, 23.025850928731444, 1.1447298858494002, 0.06453852113757118, -5.184096539560414,
                0.6931471805599453, -1.0986122886681098, -11.512925464970229, -0.5664327963975939, -6.492239835020471, -102.3278771553715,
                -5.184096539560414, -33.84565921410074, -138633.92706134808, -344.81539900618213, -2071.633436514081, -68026265.08084771,
            ]),
        SpecialBinaryCase(
            "beta",
            a: [
                0.001, 0.5, 1.0, 10.0, 100.0,
            ],
            b: [
                0.5, 3.0, 50.0,
            ],
            float64: [
                1001.385610900336, 998.5017481269357, 995.5316196782611, 3.1415926535897927, 1.0666666666666667, 0.25129025803709804,
                1.9999999999999998, 0.3333333333333333, 0.019999999999999997, 0.5675463855030418, 0.0015151515151515152, 1.5916380099862932e-12,
                0.17746707942830706, 1.9413706076490004e-06, 1.490412111095548e-42,
            ]),
        SpecialBinaryCase(
            "gammainc",
            a: [
                0.001, 0.5, 1.0, 10.0, 100.0, 10000.0,
            ],
            b: [
                0.0, 1e-10, 0.5, 1.0, 10.0, 100.0,
                10000.0, .infinity,
            ],
            float64: [
                0.0, 0.9778006565986259, 0.9994399333435291, 0.9997803916424145, 0.9999999958306922, 1.0,
                1.0, 1.0, 0.0, 1.1283791670578994e-05, 0.6826894921370859, 0.8427007929497151,
                0.999992255783569, 1.0, 1.0, 1.0, 0.0, 9.999999999500014e-11,
                0.3934693402873665, 0.6321205588285577, 0.9999546000702375, 1.0, 1.0, 1.0,
                0.0, 2.755731922148069e-107, 1.709670029348906e-10, 1.1142547833872071e-07, 0.5420702855281478, 1.0,
                1.0, 1.0, 0.0, 0.0, 5.152342733971675e-189, 3.9812808189568606e-159,
                5.398589728139647e-63, 0.5132987982791487, 1.0, 1.0, 0.0, 0.0,
                0.0, 0.0, 0.0, 0.0, 0.5013298083399552, 1.0,
            ]),
        SpecialBinaryCase(
            "gammaincc",
            a: [
                0.001, 0.5, 1.0, 10.0, 100.0, 10000.0,
            ],
            b: [
                0.0, 1e-10, 0.5, 1.0, 10.0, 100.0,
                10000.0, .infinity,
            ],
            float64: [
                1.0, 0.0221993434013742, 0.0005600666564707501, 0.0002196083575855568, 4.169307817190264e-09, 3.702770405597251e-49,
                0.0, 0.0, 1.0, 0.9999887162083294, 0.31731050786291115, 0.15729920705028105,
                7.744216431044088e-06, 2.0884875837625688e-45, 0.0, 0.0, 1.0, 0.9999999999,
                0.6065306597126334, 0.36787944117144245, 4.539992976248486e-05, 3.7200759760208177e-44, 0.0, 0.0,
                1.0, 1.0, 0.999999999829033, 0.9999998885745217, 0.4579297144718523, 1.1253473960842808e-31,
                0.0, 0.0, 1.0, 1.0, 1.0, 1.0,
                1.0, 0.48670120172085135, 0.0, 0.0, 1.0, 1.0,
                1.0, 1.0, 1.0, 1.0, 0.4986701916600448, 0.0,
            ]),
        SpecialBinaryCase(
            "logdiffexp",
            a: [
                -1000.0, 0.0, 1.0, 1000.0,
            ],
            b: [
                -.infinity, -1001.0, -1.0, -1e-10, 0.0,
            ],
            float64: [
                -1000.0, -1000.4586751453871, .nan, .nan, .nan, 0.0,
                0.0, -0.45867514538708193, -23.025850929990458, -.infinity, 1.0, 1.0,
                0.8545865421311409, 0.5413248546711158, 0.5413248546129181, 1000.0, 1000.0, 1000.0,
                1000.0, 1000.0,
            ]),
        SpecialBinaryCase(
            "xlogy",
            a: [
                0.0, 1e-10, 2.0,
            ],
            b: [
                0.0, 1e-300, 1.0, 10.0,
            ],
            float64: [
                0.0, 0.0, 0.0, 0.0, -.infinity, -6.907755278982137e-08,
                0.0, 2.302585092994046e-10, -.infinity, -1381.5510557964274, 0.0, 4.605170185988092,
            ]),
        SpecialBinaryCase(
            "xlog1py",
            a: [
                0.0, 3.0,
            ],
            b: [
                -1.0, -1e-10, 0.0, 1e-10, 1.0,
            ],
            float64: [
                0.0, 0.0, 0.0, 0.0, 0.0, -.infinity,
                -3.00000000015e-10, 0.0, 2.99999999985e-10, 2.0794415416798357,
            ]),
        SpecialBinaryCase(
            "hypot",
            a: [
                0.0, 1e-300, 3.0, 1e+300,
            ],
            b: [
                0.0, 1e-300, 4.0, 1e+300,
            ],
            float64: [
                0.0, 1e-300, 4.0, 1e+300, 1e-300, 1.414213562373095e-300,
                4.0, 1e+300, 3.0, 3.0, 5.0, 1e+300,
                1e+300, 1e+300, 1e+300, 1.4142135623730952e+300,
            ]),
    ]

    static let betaincGrid: [Double] = [
                0.0, 6.366197723781918e-06, 0.36901011956554536, 0.7951672353008665, 1.0, 0.0,
                1.4999999999499997e-05, 0.7394254526319747, 0.9961174629530394, 1.0, 0.0, 7.9589237257183e-05,
                0.9999999974428065, 1.0, 1.0, 0.0, 3.750000000124999e-21, 0.03784096948581308,
                0.5414697392755851, 1.0, 0.0, 2.9999999997999997e-20, 0.21599999999999994, 0.972,
                1.0, 0.0, 1.2749999958349992e-17, 0.9999997122455931, 1.0, 1.0,
                0.0, 0.0, 6.800825885173791e-28, 0.001204149832559813, 1.0, 0.0,
                0.0, 2.584432755690664e-25, 0.030922651243920716, 1.0, 0.0, 0.0,
                1.5547799761443088e-05, 1.0, 1.0,
            ]

    @Test func digammaNearItsPositiveRootIsAbsolutelyAccurate() throws {
        // ψ(x₀) = 0 at x₀ = 1.46163214496836…: the recurrence's terms cancel, so the bound there
        // is absolute (scipy switches to a root expansion; here |ψ(x₀)| < 1e-15).
        let x = Tensor.vector("x")
        let value = try digamma(x).eval([x: NDArray([1.4616321449683622])]).asArray(Double.self)[0]
        #expect(abs(value) < 1e-15)
    }

    @Test func integerOrdersAndDTypes() throws {
        let n = Tensor.vector("n", dtype: .int64)
        let x = Tensor.vector("x", dtype: .float32)
        let value = polygamma(n, x)
        #expect(value.dtype == .float64)  // upgrade_to_float of int64 and float32
        let out = try value.eval([n: NDArray([0, 1, 2] as [Int64]), x: NDArray([0.5, 0.5, 0.5] as [Float])])
        expectClose(
            out.asArray(Double.self), [-1.9635100260214235, 4.93480220054468, -16.828796644234316],
            inputs: ["0", "1", "2"], relative: 1e-13, "polygamma(n, 0.5)")
        // A non-integer order is NaN, as scipy.
        let half = try polygamma(Tensor.constant(0.5), Tensor.constant(2.0)).eval()
        #expect(half.asArray(Double.self)[0].isNaN)
        #expect(gammainc(Tensor.vector("a", dtype: .int32), Tensor.vector("b", dtype: .int32)).dtype == .float64)
        #expect(erfinv(Tensor.vector("p", dtype: .int8)).dtype == .float32)
    }

    @Test func theOpsPrintPyTensorNames() {
        let a = Tensor.vector("a")
        let b = Tensor.vector("b")
        let names = [gamma(a), gammainc(a, b), gammaincc(a, b), betainc(a, b, b), log1mexp(a), xlogy(a, b), logNormalCDF(a)]
            .map { ($0.owner!.op as! Elemwise).description }
        #expect(names == ["Gamma", "Gammainc", "Gammaincc", "Betainc", "Log1mexp", "Xlogy", "Log_ndtr"])
    }

    @Test func incompatibleShapesAreBuildErrors() throws {
        let error = #expect(throws: CotangentError.self) {
            try checked { betainc(Tensor.vector("a", shape: [3]), Tensor.vector("b", shape: [3]), Tensor.vector("x", shape: [4])) }
        }
        #expect(error?.message.contains("Betainc") == true, "\(String(describing: error))")
        #expect(throws: CotangentError.self) {
            try checked { hypot(Tensor.matrix("m", shape: [2, 3]), Tensor.matrix("n", shape: [4, 5])) }
        }
    }
}
