// Workload inputs (WORKLOADS.md §1.1): counter-based SplitMix64 through the library's
// `SplitMix64`, bit-exact with the reference suite's `workloads.py`.

import Cotangent

enum Inputs {
    /// `uniform(seed, shape, lo, hi)`: `lo + (hi - lo) * u`, row-major, float64 then rounded to
    /// `dtype` (float32: round-to-nearest-even).
    static func uniform(_ seed: UInt64, _ shape: [Int], _ low: Double, _ high: Double, dtype: DType = .float64) -> NDArray {
        SplitMix64(seed: seed).uniform(shape: shape, low: low, high: high, dtype: dtype)
    }

    /// `labels(seed, n, classes)[i] = floor(classes * u_i)` as int64.
    static func labels(_ seed: UInt64, _ count: Int, classes: Int) -> NDArray {
        let generator = SplitMix64(seed: seed)
        let values = (0..<count).map { Int64((Double(classes) * generator.unit(UInt64($0))).rounded(.down)) }
        return NDArray(shape: [count], elements: values)
    }

    /// The check values of WORKLOADS.md §1.1 (seed 1: raw u64 and u for i = 0, 1, 2), so a
    /// generator change shows up as a failed check instead of silently different inputs.
    static func selfCheck() -> String {
        let generator = SplitMix64(seed: 1)
        let raw: [UInt64] = [10451216379200822465, 13757245211066428519, 17911839290282890590]
        let unit: [Double] = [0.5665615751722809, 0.7457817572627011, 0.9710027535867962]
        for i in 0..<3 {
            if generator.raw(UInt64(i)) != raw[i] { return "fail: splitmix raw[\(i)] = \(generator.raw(UInt64(i))), want \(raw[i])" }
            if generator.unit(UInt64(i)) != unit[i] { return "fail: splitmix u[\(i)] = \(generator.unit(UInt64(i))), want \(unit[i])" }
        }
        let array = uniform(1, [3], 0, 1).asArray(Double.self)
        if array != unit { return "fail: SplitMix64.uniform(seed: 1, [3]) = \(array), want \(unit)" }
        return "ok"
    }
}

extension NDArray {
    /// The elements as float64 (a copy; for checks outside timed regions).
    var doubles: [Double] { asArray(Double.self) }
}
