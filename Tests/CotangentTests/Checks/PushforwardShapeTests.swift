import Testing
@testable import Cotangent
@testable import CotangentArrays
@testable import CotangentEngine
@testable import CotangentGraph
@testable import CotangentOps

/// A JVP has its primal output's type and shape, whichever operands carry a tangent: one test
/// per broadcasting pattern where only a broadcast operand has one.
@Suite("Pushforward shapes")
struct PushforwardShapeTests {
    /// `e = x - y.max()` along `y`: the tangent `-dy[argmax y]` broadcast to x's length.
    @Test func scalarBroadcastToVector() throws {
        let x = Tensor.vector("x"), y = Tensor.vector("y"), dy = Tensor.vector("dy")
        let jvp = pushforward(x - y.max(), wrt: y, tangent: dy)
        #expect(jvp.type == (x - y.max()).type)
        let value = try jvp.eval(["x": NDArray([1.0, 2, 3, 4, 5]), "y": NDArray([2.0, 7.0]), "dy": NDArray([0.5, 3.0])])
        #expect(value.shape == [5])
        #expect(value.asArray(Double.self) == [-3, -3, -3, -3, -3])
    }

    /// The broadcast tangent feeds a matrix product, which needs the full static shape.
    @Test func broadcastTangentIntoMatmul() throws {
        let x = Tensor.vector("x", shape: [5]), y = Tensor.vector("y"), dy = Tensor.vector("dy")
        let M = Tensor.matrix("M", shape: [5, 2])
        let jvp = try checked { matmul(pushforward(x - y.max(), wrt: y, tangent: dy), M) }
        let value = try jvp.eval([
            "x": NDArray([1.0, 2, 3, 4, 5]), "y": NDArray([2.0, 7.0]), "dy": NDArray([0.5, 3.0]),
            "M": NDArray(shape: [5, 2], elements: (0..<10).map(Double.init)),
        ])
        // np.full(5, -3.) @ np.arange(10.).reshape(5, 2)
        #expect(value.asArray(Double.self) == [-60, -75])
    }

    /// A row `(1, n)` broadcast over the rows of an `(m, n)` matrix.
    @Test func rowBroadcastToMatrix() throws {
        let A = Tensor.matrix("A"), r = Tensor.matrix("r", shape: [1, nil]), dr = Tensor.matrix("dr", shape: [1, nil])
        let jvp = pushforward(A * 2 + exp(r), wrt: r, tangent: dr)
        #expect(jvp.type.shape == [nil, nil])
        let value = try jvp.eval(["A": NDArray.zeros([3, 2]), "r": NDArray([[0.0, 0.0]]), "dr": NDArray([[1.0, 2.0]])])
        #expect(value.shape == [3, 2])
        #expect(value.asArray(Double.self) == [1, 2, 1, 2, 1, 2])
    }

    /// A column `(m, 1)` broadcast over the columns.
    @Test func columnBroadcastToMatrix() throws {
        let A = Tensor.matrix("A", shape: [2, 3]), c = Tensor.matrix("c", shape: [2, 1]), dc = Tensor.matrix("dc", shape: [2, 1])
        let jvp = pushforward(A - c, wrt: c, tangent: dc)
        #expect(jvp.type.shape == [2, 3])
        let value = try jvp.eval(["A": NDArray.zeros([2, 3]), "c": NDArray([[1.0], [2.0]]), "dc": NDArray([[1.0], [-1.0]])])
        #expect(value.asArray(Double.self) == [-1, -1, -1, 1, 1, 1])
    }

    /// A 0-d input of lower rank, padded with new axes, against a 3-d tensor.
    @Test func scalarPaddedToTensor3() throws {
        let t = Tensor.tensor3("t"), s = Tensor.scalar("s"), ds = Tensor.scalar("ds")
        let jvp = pushforward(t * s, wrt: s, tangent: ds)
        #expect(jvp.ndim == 3)
        let value = try jvp.eval(["t": NDArray(shape: [2, 1, 2], elements: [1.0, 2, 3, 4]), "s": NDArray(scalar: 5.0), "ds": NDArray(scalar: 2.0)])
        #expect(value.shape == [2, 1, 2])
        #expect(value.asArray(Double.self) == [2, 4, 6, 8])
    }

    /// A branch of `select` that broadcasts: its tangent reaches the output's shape.
    @Test func selectBranchBroadcast() throws {
        let x = Tensor.vector("x"), y = Tensor.vector("y"), dy = Tensor.vector("dy")
        let jvp = pushforward(select(x .> 0, x, y.sum()), wrt: y, tangent: dy)
        let value = try jvp.eval(["x": NDArray([1.0, -1.0, 2.0]), "y": NDArray([1.0, 1.0]), "dy": NDArray([1.0, 2.0])])
        #expect(value.shape == [3])
        #expect(value.asArray(Double.self) == [0, 3, 0])
    }

    /// Through the double-pullback fallback too (cumsum has a native rule; the input broadcasts).
    @Test func broadcastIntoCumsum() throws {
        let x = Tensor.vector("x"), s = Tensor.scalar("s"), ds = Tensor.scalar("ds")
        let jvp = pushforward(cumsum(x + s), wrt: s, tangent: ds)
        let value = try jvp.eval(["x": NDArray([1.0, 2, 3]), "s": NDArray(scalar: 0.0), "ds": NDArray(scalar: 1.0)])
        #expect(value.asArray(Double.self) == [1, 2, 3])
    }
}
