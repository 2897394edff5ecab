import CotangentArrays
import CotangentGraph

// Vector-valued real distributions: Dirichlet and the multivariate normal.

extension RandomDistribution {
    /// Dirichlet(α) over the last dimension: Marsaglia–Tsang gammas, normalised (in logs, so
    /// that tiny concentrations still give a distribution).
    public static let dirichlet: RandomDistribution = RandomDistribution(
        "dirichlet", parameters: ["alpha"], coreRanks: [1], signature: "(a)->(a)",
        event: .lastDimension(ofParameter: 0),
        kernel: { d in
            let table = d.table(0)
            if let failure = RandomState.dirichletFailure(count: d.count, concentrations: table) {
                throw d.invalid(failure)
            }
            let k = d.parameters[0].shape.last ?? 0
            let result = NDArray.uninitialized(dtype: .float64, shape: d.batchShape + [k])
            d.state.fillDirichlet(
                UnsafeMutableBufferPointer(start: result.basePointer(as: Double.self), count: result.count),
                concentrations: table, threads: d.threads)
            return d.dtype == .float64 ? result : result.converted(to: d.dtype)
        },
        derivative: .pathwise { d in
            // x = G/S with G_j ~ Gamma(α_j) and S = ΣG ~ Gamma(Σα) independent of x: with
            // S drawn afresh, ∂x_i/∂α_j = (δ_ij − x_i) · random_gamma_grad(α_j, x_j S) / S.
            let alpha = broadcastTo(d.parameters[0], d.value)
            let total = d.independent(.gamma, [alpha.sum(axis: -1), 1.0]).expandingDims([d.value.ndim - 1])
            let g = d.cotangent
            let centred = g - (g * d.value).sum(axis: -1, keepDims: true)
            return [.value(centred * elemwise(.randomGammaGrad, alpha, d.value * total) / total)]
        })

    /// The multivariate normal N(mean, cov): mean + L z with L the Cholesky factor of cov and z
    /// Ziggurat normals (numpy's `method='cholesky'`).
    public static let multivariateNormal: RandomDistribution = RandomDistribution(
        "multivariate_normal", parameters: ["mean", "cov"], coreRanks: [1, 2], signature: "(n),(n,n)->(n)",
        event: .lastDimension(ofParameter: 0),
        kernel: { d in
            let n = d.parameters[0].shape.last ?? 0
            guard d.parameters[1].shape.suffix(2) == [n, n] else {
                throw d.invalid("cov of shape \(formatShape(d.parameters[1].shape)) is not \(n) × \(n) like the mean")
            }
            let z = d.state.draw(d.count * n, from: Normal())
            let mean = d.parameters[0].asArray(Double.self)
            // A covariance shared by the whole batch (broadcast: batch strides 0) is factored once.
            let covView = d.parameters[1]
            let shared = covView.strides.dropLast(2).allSatisfy { $0 == 0 }
            var cov = shared
                ? NDArray(dtype: covView.dtype, shape: [n, n], strides: Array(covView.strides.suffix(2)),
                          offset: covView.offset, storage: covView.storage).asArray(Double.self)
                : covView.asArray(Double.self)
            var values = [Double](repeating: 0, count: d.count * n)
            try cov.withUnsafeMutableBufferPointer { c in
                for row in 0..<d.count {
                    let factor = c.baseAddress! + (shared ? 0 : row * n * n)
                    if !shared || row == 0 {
                        do {
                            try Linalg.cholesky(factor, order: n)
                        } catch {
                            throw d.invalid("cov is not positive definite (batch element \(shared ? 0 : row): \(error))")
                        }
                    }
                    for i in 0..<n {
                        var sum = mean[row * n + i]
                        for j in 0...i { sum += factor[i * n + j] * z[row * n + j] }
                        values[row * n + i] = sum
                    }
                }
            }
            return NDArray(shape: d.batchShape + [n], elements: values).converted(to: d.dtype)
        },
        derivative: .pathwise { d in
            // x = mean + L z, z the same streams' standard normals: mean gets g; cov gets the
            // pullback of L z through the Cholesky factor (z held fixed).
            let z = d.sibling(.normal, [0.0, 1.0])
            let cov = broadcastTo(d.parameters[1], d.value, core: 2)
            let lz = matmul(cholesky(cov), z.expandingDims([z.ndim])).squeezed(axes: [z.ndim])
            // Seeded with the cotangent itself (not a constant stand-in), so the rule stays a
            // graph linear in it: the pushforward's double-pullback differentiates through it.
            let covTerm = gradients(of: [lz], wrt: [cov], seeds: [d.cotangent], disconnected: .zero)[0]!
            return [.value(d.cotangent), .value(covTerm)]
        })
}

/// `parameter` broadcast to the draw's batch shape followed by its own core (of rank `core`).
private func broadcastTo(_ parameter: Variable, _ value: Variable, core: Int = 1) -> Variable {
    alloc(parameter, shape: Array(value.symbolicShape.dropLast()) + Array(parameter.symbolicShape.suffix(core)))
}
