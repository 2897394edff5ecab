// Output checks, done once per compiled function outside every timed region.
//
// Each check compares (1) fingerprints (sums, traces, single elements) of the outputs with the
// reference values (`Reference`) and, where a plain-Swift port of the numpy reference maths is
// cheap, (2) every element against that port, with `numpy.allclose`'s rule
// |got - want| <= atol + rtol |want|. Tolerances follow WORKLOADS.md §1: rtol 1e-8 for the big
// reductions, 1e-9 for tiny graphs, rtol 2e-4 / atol 1e-6 for float32.

import Cotangent

struct Tolerance {
    let rtol: Double
    let atol: Double

    static let float64 = Tolerance(rtol: 1e-8, atol: 1e-12)
    static let tiny = Tolerance(rtol: 1e-9, atol: 1e-12)
    static let float32 = Tolerance(rtol: 2e-4, atol: 1e-6)

    func close(_ got: Double, _ want: Double) -> Bool {
        abs(got - want) <= atol + rtol * abs(want) || got == want
    }
}

/// Collects the failures of one output check; `result` is "ok" or "fail: …".
struct Check {
    private(set) var failures: [String] = []

    mutating func fail(_ message: String) { failures.append(message) }

    /// A fingerprint against the reference value `entry`/`key`.
    mutating func fingerprint(_ entry: String, _ key: String, _ got: Double, _ tolerance: Tolerance) {
        guard let want = Reference.value(entry, key) else {
            fail("no reference value \(entry) \(key)")
            return
        }
        if !tolerance.close(got, want) {
            fail("\(key) = \(got), reference \(want) (rel err \(relativeError(got, want, tolerance)))")
        }
    }

    /// Every element of `got` against `want` (shape and values).
    mutating func elements(_ name: String, _ got: NDArray, shape: [Int], _ want: [Double], _ tolerance: Tolerance) {
        guard got.shape == shape else {
            fail("\(name) has shape \(got.shape), want \(shape)")
            return
        }
        let values = got.doubles
        var worst = 0.0
        var worstIndex = -1
        for (index, (g, w)) in zip(values, want).enumerated() where !tolerance.close(g, w) {
            let error = relativeError(g, w, tolerance)
            if worstIndex < 0 || !(error <= worst) { worst = error; worstIndex = index }
        }
        if worstIndex >= 0 {
            fail("\(name)[\(worstIndex)] = \(values[worstIndex]), want \(want[worstIndex]) (max rel err \(worst))")
        }
    }

    /// The dtype of an output.
    mutating func dtype(_ name: String, _ got: NDArray, _ want: DType) {
        if got.dtype != want { fail("\(name) has dtype \(got.dtype), want \(want)") }
    }

    /// The number of outputs.
    mutating func count(_ outputs: [NDArray], _ want: Int) -> Bool {
        if outputs.count != want { fail("\(outputs.count) outputs, want \(want)"); return false }
        return true
    }

    var result: String {
        failures.isEmpty ? "ok" : "fail: " + failures.prefix(3).joined(separator: "; ")
            + (failures.count > 3 ? " (+\(failures.count - 3) more)" : "")
    }

    private func relativeError(_ got: Double, _ want: Double, _ tolerance: Tolerance) -> Double {
        abs(got - want) / (abs(want) + tolerance.atol)
    }
}

extension Array where Element == Double {
    /// The plain sum (order: first to last).
    var total: Double { reduce(0, +) }
}
