@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

// Run-time shapes that cannot work together: every op that would check them, and every path
// that computes a shape without running the op (gradients, `zerosLike`, `.shape`, rewrites
// that drop the op), must reject them as numpy does.

extension BadInput {
    static let shapeCases: [BadInput] = elementwiseMismatches + derivedShapeMismatches + productMismatches
        + reshapeMismatches + inputMismatches

    /// `x ⊙ y` with run-time lengths 3 and 4, for every binary elementwise family.
    static let elementwiseMismatches: [BadInput] = {
        let binary: [(String, @Sendable (Tensor, Tensor) -> Tensor)] = [
            ("Add", { $0 + $1 }), ("Sub", { $0 - $1 }), ("Mul", { $0 * $1 }), ("True_div", { $0 / $1 }),
            ("Pow", { pow($0, $1) }), ("Maximum", { maximum($0, $1) }), ("Minimum", { minimum($0, $1) }),
            ("Gt", { $0 .> $1 }), ("Eq", { $0 .== $1 }), ("Arctan2", { arctan2($0, $1) }),
            ("Mod", { $0 % $1 }), ("Int_div", { intDiv($0, $1) }),
        ]
        let inputs = ["x": BadValues.three, "y": BadValues.four]
        var cases = binary.map { name, op in
            BadInput.graph("shapes", "\(name) of lengths 3 and 4", inputs, throws: .shapeMismatch, ["(3,)", "(4,)", "float64"]) {
                op(Tensor.vector("x"), Tensor.vector("y"))
            }
        }
        cases += [
            .graph("shapes", "select of lengths 3, 4, 3", ["c": NDArray([true, false, true]), "x": BadValues.four, "y": BadValues.three],
                   throws: .shapeMismatch, ["(3,)", "(4,)"]) {
                select(Tensor.vector("c", dtype: .bool), Tensor.vector("x"), Tensor.vector("y"))
            },
            .graph("shapes", "matrix rows 2 vs 3", ["a": BadValues.matrix(2, 2), "b": BadValues.matrix(3, 2)], throws: .shapeMismatch, ["(2, 2)", "(3, 2)"]) {
                Tensor.matrix("a") * Tensor.matrix("b")
            },
            .graph("shapes", "run-time broadcasting of a length-1 vector", ["x": BadValues.three, "y": NDArray([1.0])],
                   throws: .shapeMismatch, ["(1,)", "statically 1"]) {
                Tensor.vector("x") + Tensor.vector("y")
            },
            .graph("shapes", "fused chain exp(x) * y + x", ["x": BadValues.three, "y": BadValues.four], throws: .shapeMismatch, ["(3,)", "(4,)"]) {
                let x = Tensor.vector("x")
                return exp(x) * Tensor.vector("y") + x
            },
            .graph("shapes", "static length 3 with run-time 4", ["x": BadValues.three, "y": BadValues.four], throws: .shapeMismatch, ["(3,)", "(4,)"]) {
                Tensor.vector("x", shape: [3]) + Tensor.vector("y")
            },
            .graph("shapes", "float32 and int32 operands", ["x": BadValues.three.converted(to: .float32), "y": BadValues.integers([1, 2, 3, 4], .int32)],
                   throws: .shapeMismatch, ["(3,)", "(4,)", "float32", "int32"]) {
                Tensor.vector("x", dtype: .float32) + Tensor.vector("y", dtype: .int32)
            },
        ]
        return cases
    }()

    /// Shapes computed without running the op that would have checked them.
    static let derivedShapeMismatches: [BadInput] = {
        let inputs = ["x": BadValues.three, "y": BadValues.four]
        let x: @Sendable () -> Tensor = { Tensor.vector("x") }, y: @Sendable () -> Tensor = { Tensor.vector("y") }
        return [
            .graph("shapes", "grad of (exp(x) + y).sum() wrt y", inputs, throws: .shapeMismatch, ["Add"]) {
                let y = y()
                return grad((exp(x()) + y).sum(), wrt: y)
            },
            .graph("shapes", "grad wrt y, x of static length 3", inputs, throws: .shapeMismatch, ["Add"]) {
                let y = y()
                return grad((exp(Tensor.vector("x", shape: [3])) + y).sum(), wrt: y)
            },
            .graph("shapes", "grad of (x - y).sum() wrt both", inputs, throws: .shapeMismatch, ["Sub"]) {
                let (x, y) = (x(), y())
                return grad((x - y).sum(), wrt: [x, y])[1]
            },
            .graph("shapes", "zerosLike(x + y)", inputs, throws: .shapeMismatch, ["Add"]) { zerosLike(x() + y()) },
            .graph("shapes", "onesLike(x * y)", inputs, throws: .shapeMismatch, ["Mul"]) { onesLike(x() * y()) },
            .graph("shapes", "(x + y).shape", inputs, throws: .shapeMismatch, ["Add"]) { (x() + y()).shape },
            .graph("shapes", "(x + y).length(ofDimension: 0)", inputs, throws: .shapeMismatch, ["Add"]) { (x() + y()).length(ofDimension: 0) },
            .graph("shapes", "x + y - y rewritten to x", inputs, throws: .shapeMismatch, ["Add"]) {
                let y = y()
                return x() + y - y
            },
            .graph("shapes", "x * y / y rewritten to x", inputs, throws: .shapeMismatch, ["Mul"]) {
                let y = y()
                return x() * y / y
            },
            .graph("shapes", "(x + y) * 0", inputs, throws: .shapeMismatch, ["(3,)", "(4,)"]) { (x() + y()) * 0 },
            .graph("shapes", "jacobian of x + y wrt x", inputs, throws: .shapeMismatch, ["Add"]) {
                let x = x()
                return jacobian(x + y(), wrt: x)
            },
            .graph("shapes", "pullback of x * y wrt x", ["x": BadValues.three, "y": BadValues.four, "v": BadValues.three],
                   throws: .shapeMismatch, ["Mul"]) {
                let x = x()
                return pullback(x * y(), wrt: x, cotangent: Tensor.vector("v"))
            },
            .graph("shapes", "(x + y).sum() with sum rewritten", inputs, throws: .shapeMismatch, ["(3,)", "(4,)"]) { (x() + y()).sum() },
            .graph("shapes", "specifyingShape([3]).shape of length 4", ["x": BadValues.four], throws: .shapeMismatch, ["SpecifyShape"]) {
                x().specifyingShape([3]).shape
            },
            .graph("shapes", "specifyingShape([3]) of length 4", ["x": BadValues.four], throws: .shapeMismatch, ["SpecifyShape", "(3,)", "(4,)"]) {
                x().specifyingShape([3])
            },
            .graph("shapes", "grad through specifyingShape", ["x": BadValues.four], throws: .shapeMismatch, ["SpecifyShape"]) {
                let x = x()
                return grad(x.specifyingShape([3]).sum(), wrt: x)
            },
            .graph("shapes", "concatenate rows 2 and 3 along axis 1", ["a": BadValues.matrix(2, 2), "b": BadValues.matrix(3, 2)],
                   throws: .shapeMismatch, ["Join", "(2, 2)", "(3, 2)"]) {
                concatenate([Tensor.matrix("a"), Tensor.matrix("b")], axis: 1)
            },
            .graph("shapes", "concatenate(...).shape of rows 2 and 3", ["a": BadValues.matrix(2, 2), "b": BadValues.matrix(3, 2)],
                   throws: .shapeMismatch, ["Join"]) {
                concatenate([Tensor.matrix("a"), Tensor.matrix("b")], axis: 1).shape
            },
            .graph("shapes", "alloc of a length-3 value to 4", ["x": BadValues.three], throws: .shapeMismatch, ["Shapes must be equal", "(3,)"]) {
                alloc(x(), shape: [4])
            },
            .graph("shapes", "alloc of a length-1 value not statically 1", ["x": NDArray([1.0])], throws: .shapeMismatch, ["Shapes must be equal", "(1,)"]) {
                alloc(x(), shape: [4])
            },
        ]
    }()

    /// Matrix products whose shared dimensions differ at run time.
    static let productMismatches: [BadInput] = {
        let a: @Sendable () -> Tensor = { Tensor.matrix("A") }, b: @Sendable () -> Tensor = { Tensor.matrix("B") }
        func inputs(_ left: [Int], _ right: [Int]) -> [String: NDArray] {
            ["A": NDArray.zeros(left), "B": NDArray.zeros(right)]
        }
        return [
            .graph("shapes", "matmul (2,3)@(4,5)", inputs([2, 3], [4, 5]), throws: .shapeMismatch, ["Dot", "(2, 3)", "(4, 5)"]) { matmul(a(), b()) },
            .graph("shapes", "matmul(A, B).shape of (2,3)@(4,5)", inputs([2, 3], [4, 5]), throws: .shapeMismatch, ["Dot"]) { matmul(a(), b()).shape },
            .graph("shapes", "matmul of (3,0)@(1,1)", inputs([3, 0], [1, 1]), throws: .shapeMismatch, ["Dot", "(3, 0)", "(1, 1)"]) { matmul(a(), b()) },
            .graph("shapes", "matmul of (3,0) and a static (1,1)", inputs([3, 0], [1, 1]), throws: .shapeMismatch, ["Dot", "(3, 0)"]) {
                matmul(a(), Tensor.matrix("B", shape: [1, 1]))
            },
            .graph("shapes", "matmul(A, B).sum() of (2,3)@(4,5)", inputs([2, 3], [4, 5]), throws: .shapeMismatch, ["Dot"]) { matmul(a(), b()).sum() },
            .graph("shapes", "grad of matmul wrt A", inputs([2, 3], [4, 5]), throws: .shapeMismatch, ["Dot"]) {
                let a = a()
                return grad(matmul(a, b()).sum(), wrt: a)
            },
            .graph("shapes", "zerosLike(matmul) of (2,3)@(4,5)", inputs([2, 3], [4, 5]), throws: .shapeMismatch, ["Dot"]) { zerosLike(matmul(a(), b())) },
            .graph("shapes", "matrix·vector 3 vs 4", ["A": NDArray.zeros([2, 3]), "x": BadValues.four], throws: .shapeMismatch, ["Dot", "(2, 3)", "(4,)"]) {
                matmul(a(), Tensor.vector("x"))
            },
            .graph("shapes", "vector·vector 3 vs 4", ["x": BadValues.three, "y": BadValues.four], throws: .shapeMismatch, ["Dot", "(3,)", "(4,)"]) {
                dot(Tensor.vector("x"), Tensor.vector("y"))
            },
            .graph("shapes", "batched matmul core 3 vs 4", ["A": NDArray.zeros([2, 2, 3]), "B": NDArray.zeros([2, 4, 5])],
                   throws: .shapeMismatch, ["(2, 3)", "(4, 5)"]) {
                matmul(Tensor.tensor3("A"), Tensor.tensor3("B"))
            },
            .graph("shapes", "batched matmul batch 2 vs 3", ["A": NDArray.zeros([2, 2, 3]), "B": NDArray.zeros([3, 3, 5])],
                   throws: .shapeMismatch, ["(2, 2, 3)", "(3, 3, 5)"]) {
                matmul(Tensor.tensor3("A"), Tensor.tensor3("B"))
            },
            .graph("shapes", "convolve1d of an empty kernel", ["x": BadValues.three, "k": NDArray.zeros([0])], throws: .invalidValue, ["Convolve1d", "(0,)"]) {
                convolve1d(Tensor.vector("x"), Tensor.vector("k"))
            },
        ]
    }()

    /// Reshapes the element count forbids, and bad shape vectors.
    static let reshapeMismatches: [BadInput] = {
        let x: @Sendable () -> Tensor = { Tensor.vector("x") }
        let four = ["x": BadValues.four]
        return [
            .graph("shapes", "reshape 4 elements to (2, 3)", four, throws: .shapeMismatch, ["Reshape{2}", "size 4", "(2, 3)"]) { x().reshaped(to: [2, 3]) },
            .graph("shapes", "reshaped(to: [2, 3]).shape of 4 elements", four, throws: .shapeMismatch, ["Reshape{2}"]) { x().reshaped(to: [2, 3]).shape },
            .graph("shapes", "zerosLike of a bad reshape", four, throws: .shapeMismatch, ["Reshape{2}"]) { zerosLike(x().reshaped(to: [2, 3])) },
            .graph("shapes", "reshape 4 elements to (3, -1)", four, throws: .shapeMismatch, ["Reshape{2}", "size 4", "(3, -1)"]) { x().reshaped(to: [3, -1]) },
            .graph("shapes", "reshaped(to: [3, -1]).shape of 4 elements", four, throws: .shapeMismatch, ["Reshape{2}"]) { x().reshaped(to: [3, -1]).shape },
            .graph("shapes", "reshape 4 elements to (5,)", four, throws: .shapeMismatch, ["Reshape{1}", "(4,)"]) { x().reshaped(to: [5]) },
            .graph("shapes", "reshape to a run-time negative length", ["x": BadValues.four, "n": NDArray(scalar: Int64(-4))],
                   throws: .shapeMismatch, ["Reshape{1}", "(4,)"]) {
                x().reshaped(to: [Tensor.scalar("n", dtype: .int64)])
            },
            .graph("shapes", "reshape with two run-time -1", ["x": BadValues.four, "n": NDArray(scalar: Int64(-1))],
                   throws: .invalidValue, ["Reshape{2}", "-1"]) {
                let n = Tensor.scalar("n", dtype: .int64)
                return x().reshaped(to: [n, n])
            },
            .graph("shapes", "reshape of an empty array to (-1, 0)", ["x": NDArray.zeros([0])], throws: .shapeMismatch, ["Reshape{2}", "(-1, 0)"]) {
                x().reshaped(to: [-1, 0])
            },
            .graph("shapes", "grad through a bad reshape", four, throws: .shapeMismatch, ["Reshape{2}"]) {
                let x = x()
                return grad(x.reshaped(to: [2, 3]).sum(), wrt: x)
            },
            .graph("shapes", "squeeze of a run-time length 3", ["x": BadValues.matrix(3, 2)], throws: .shapeMismatch, ["SpecifyShape", "(1, 2)", "(3, 2)"]) {
                Tensor.matrix("x", shape: [nil, 2]).specifyingShape([1, 2]).squeezed(axes: [0])
            },
        ]
    }()

    /// Values handed to `eval` that do not fit the inputs' types, and keys that name no input.
    static let inputMismatches: [BadInput] = {
        let x: @Sendable () -> Tensor = { Tensor.vector("x") }
        return [
            .graph("inputs", "rank 2 for a vector", ["x": BadValues.matrix(2, 2)], throws: .inputMismatch, ["x", "(2, 2)"]) { exp(x()) },
            .graph("inputs", "rank 0 for a vector", ["x": NDArray(scalar: 1.0)], throws: .inputMismatch, ["x"]) { exp(x()) },
            .graph("inputs", "float64 for an int64 vector", ["i": BadValues.three], throws: .inputMismatch, ["i", "float64", "int64"]) { Tensor.vector("i", dtype: .int64) * 2 },
            .graph("inputs", "float64 for an int32 vector", ["i": BadValues.three], throws: .inputMismatch, ["i", "float64", "int32"]) {
                Tensor.vector("i", dtype: .int32) + 1
            },
            .graph("inputs", "float64 for an int8 matrix", ["m": BadValues.matrix(1, 2)], throws: .inputMismatch, ["m", "float64", "int8"]) {
                Tensor.matrix("m", dtype: .int8).sum()
            },
            .graph("inputs", "length 4 for static length 3", ["x": BadValues.four], throws: .inputMismatch, ["x", "(4,)", "(3,)"]) {
                exp(Tensor.vector("x", shape: [3]))
            },
            .graph("inputs", "shape (2, 2) for static (2, 3)", ["m": BadValues.matrix(2, 2)], throws: .inputMismatch, ["m", "(2, 2)", "(2, 3)"]) {
                Tensor.matrix("m", shape: [2, 3]).sum()
            },
            .graph("inputs", "missing input", [:], throws: .missingInput, ["x"]) { exp(x()) },
            .graph("inputs", "one of two inputs missing", ["x": BadValues.three], throws: .missingInput, ["y"]) { x() + Tensor.vector("y") },
            BadInput(family: "inputs", label: "unknown key in strict mode", run: {
                try exp(Tensor.vector("x")).eval(["x": BadValues.three, "z": BadValues.three], strict: true)
            }, outcome: .error(.cotangent(.unknownInput), ["z"])),
            BadInput(family: "inputs", label: "function called with too few arguments", run: {
                let x = Tensor.vector("x"), y = Tensor.vector("y")
                return try function(inputs: [x, y], outputs: [x + y])(BadValues.three)[0]
            }, outcome: .error(.cotangent(.inputMismatch), ["2"])),
            BadInput(family: "inputs", label: "function called with a wrong dtype", run: {
                let x = Tensor.vector("x", dtype: .int32)
                return try function(inputs: [x], outputs: [x * 2])(BadValues.three)[0]
            }, outcome: .error(.cotangent(.inputMismatch), ["x", "float64"])),
            BadInput(family: "inputs", label: "function with a duplicate input", run: {
                let x = Tensor.vector("x")
                return try function(inputs: [x, x], outputs: [exp(x)])(BadValues.three, BadValues.three)[0]
            }, outcome: .error(.cotangent(.invalidGraph), ["x"])),
        ]
    }()
}
