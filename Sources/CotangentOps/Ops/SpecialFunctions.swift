import RealModule
import CotangentArrays
import CotangentGraph

/// Numerically careful special functions that libm does not provide.
package enum SpecialFunctions {
    /// `1 / (1 + exp(-x))` without overflow for large |x|.
    package static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Double.exp(-x)) }
        let e = Double.exp(x)
        return e / (1 + e)
    }

    /// `log(1 + exp(x))`, exact to double precision in both tails (PyTensor's piecewise form).
    package static func softplus(_ x: Double) -> Double {
        if x < -37 { return Double.exp(x) }
        if x < 18 { return Double.log(onePlus: Double.exp(x)) }
        if x < 33.3 { return x + Double.exp(-x) }
        return x
    }

    /// `log(eˣ + eʸ)`, as numpy's `npy_logaddexp`: the larger argument plus `log1p` of the
    /// smaller one's exponential relative to it, `x + ln 2` when equal (also for equal infinities).
    package static func logAddExp(_ x: Double, _ y: Double) -> Double {
        if x == y { return x + 0.6931471805599453 }
        let difference = x - y
        if difference > 0 { return x + Double.log(onePlus: Double.exp(-difference)) }
        if difference <= 0 { return y + Double.log(onePlus: Double.exp(difference)) }
        return difference  // NaN
    }
}
