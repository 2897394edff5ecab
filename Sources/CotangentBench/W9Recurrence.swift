// W9 — recurrence (an RNN written with `scan`), value and gradient, T = 100 and 1000 (quick:
// 100): h_t = tanh(x_t·Wx + h_{t-1}·Wh + bias), loss = Σ h_t² / (2T); outputs the loss and its
// gradients with respect to Wx, Wh and bias. Checked against backpropagation through time
// written out in Swift (the suite's numpy `manual` reference).

#if canImport(Glibc)
import Glibc
#endif
import Cotangent

extension Bench {
    func runW9() {
        log("W9: recurrence value+grad")
        let (hidden, inputSize) = (64, 32)
        let a = 1 / Double(inputSize).squareRoot()
        let b = 1 / Double(hidden).squareRoot()
        let allXs = Inputs.uniform(1001, [1000, inputSize], -1, 1)
        let wx = Inputs.uniform(1002, [inputSize, hidden], -a, a)
        let wh = Inputs.uniform(1003, [hidden, hidden], -b, b)
        let bias = Inputs.uniform(1004, [hidden], -0.1, 0.1)
        let h0 = NDArray.zeros([hidden])
        for steps in options.quick ? [100] : [100, 1000] {
            let subject = Subject(
                workload: "W9", caseName: "value_grad", variant: "scan",
                params: [("T", .int(steps)), ("H", .int(hidden)), ("I", .int(inputSize))])
            let build = { () -> BuiltGraph in
                let xs = Tensor.matrix("xs")
                let Wx = Tensor.matrix("Wx")
                let Wh = Tensor.matrix("Wh")
                let bias = Tensor.vector("bias")
                let h0 = Tensor.vector("h0")
                let (_, hs) = scan(initial: h0, over: xs) { h, x in
                    let next = tanh(matmul(x, Wx) + matmul(h, Wh) + bias)
                    return (next, next)
                }
                let loss = (hs * hs).sum() / (2 * hs.length(ofDimension: 0).cast(to: .float64))
                return BuiltGraph(inputs: [xs, Wx, Wh, bias, h0], outputs: [loss] + grad(loss, wrt: [Wx, Wh, bias]))
            }
            let xs = NDArray(shape: [steps, inputSize], elements: Array(allXs.doubles[..<(steps * inputSize)]))
            let reference = recurrenceReference(
                xs.doubles, wx.doubles, wh.doubles, bias.doubles, steps: steps, inputSize: inputSize, hidden: hidden)
            measure(
                subject, n: steps, phases: [.buildDiff, .compileFirst, .compile], reps: budget.slowPhaseReps,
                build: build, arguments: [xs, wx, wh, bias, h0], trustInput: true
            ) { outputs in
                var check = Check()
                guard check.count(outputs, 4) else { return check.result }
                check.elements("loss", outputs[0], shape: [], [reference.loss], .float64)
                check.elements("dWx", outputs[1], shape: [inputSize, hidden], reference.wx, .float64)
                check.elements("dWh", outputs[2], shape: [hidden, hidden], reference.wh, .float64)
                check.elements("dbias", outputs[3], shape: [hidden], reference.bias, .float64)
                return check.result
            }
            // The memory a call holds at its peak (array storage above what the arguments take).
            do {
                let graph = build()
                let f = try function(inputs: graph.inputs, outputs: graph.outputs)
                let arguments = [xs, wx, wh, bias, h0]
                _ = try f.call(arguments)
                let bytes = try ArrayMemory.peakBytes { _ = try f.call(arguments) }
                let tenths = bytes * 10 / (steps * hidden * 8)
                log("  W9 T=\(steps): peak array memory of a value+gradient call \(bytes / 1024) KiB "
                    + "(\(tenths / 10).\(tenths % 10) × T·H float64s)")
            } catch {
                log("  W9 T=\(steps): memory not measured: \(error)")
            }
        }
    }
}

/// Backpropagation through time: forward states, δ_t = (h_t/T + c_t)(1 − h_t²), c_{t-1} = δ_t Whᵀ.
func recurrenceReference(
    _ xs: [Double], _ wx: [Double], _ wh: [Double], _ bias: [Double], steps: Int, inputSize: Int, hidden: Int
) -> (loss: Double, wx: [Double], wh: [Double], bias: [Double]) {
    var states = [[Double](repeating: 0, count: hidden)]
    var loss = 0.0
    for t in 0..<steps {
        var next = bias
        for j in 0..<hidden {
            for i in 0..<inputSize { next[j] += xs[t * inputSize + i] * wx[i * hidden + j] }
            for k in 0..<hidden { next[j] += states[t][k] * wh[k * hidden + j] }
            next[j] = tanh(next[j])
            loss += next[j] * next[j]
        }
        states.append(next)
    }
    loss /= 2 * Double(steps)
    var (gx, gh, gb) = ([Double](repeating: 0, count: inputSize * hidden), [Double](repeating: 0, count: hidden * hidden),
                        [Double](repeating: 0, count: hidden))
    var carry = [Double](repeating: 0, count: hidden)
    for t in (1...max(steps, 1)).reversed() where steps > 0 {
        let h = states[t]
        let delta = (0..<hidden).map { (h[$0] / Double(steps) + carry[$0]) * (1 - h[$0] * h[$0]) }
        for j in 0..<hidden {
            gb[j] += delta[j]
            for i in 0..<inputSize { gx[i * hidden + j] += xs[(t - 1) * inputSize + i] * delta[j] }
            for k in 0..<hidden { gh[k * hidden + j] += states[t - 1][k] * delta[j] }
        }
        carry = (0..<hidden).map { k in (0..<hidden).reduce(0) { $0 + delta[$1] * wh[k * hidden + $1] } }
    }
    return (loss, gx, gh, gb)
}
