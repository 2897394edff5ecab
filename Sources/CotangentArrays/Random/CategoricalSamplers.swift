// Draws over k categories: categorical indices, multinomial count vectors, Dirichlet vectors.
// Probability and concentration tables are row-major `rows × k` with rows = 1 (shared by every
// element) or one row per element.

import RealModule

/// Per-element tables of k numbers (probabilities or concentrations), one row shared or one per
/// element.
package struct CategoryTable: Sendable, Hashable {
    /// The row-major values, `rows × categories`.
    package let values: [Double]
    /// The number of categories k.
    package let categories: Int

    /// A table of `values.count / categories` rows.
    package init(_ values: [Double], categories: Int) {
        self.values = values
        self.categories = categories
    }

    /// One row shared by every element.
    package init(row: [Double]) { self.init(row, categories: row.count) }

    /// The number of rows.
    package var rows: Int { categories > 0 ? values.count / categories : 0 }

    /// The first index of element `index`'s row.
    @inlinable
    package func rowStart(_ index: Int) -> Int { rows == 1 ? 0 : index * categories }

    /// A message when the table is not `count` (or 1) rows of k ≥ 1 categories whose values pass
    /// `isValid`, or (with `normalized`) whose rows do not sum to 1 within 1e-8 · k.
    package func failure(count: Int, name: String, requirement: String, normalized: Bool, where isValid: (Double) -> Bool) -> String? {
        guard categories >= 1 else { return "\(name) need at least one category" }
        guard values.count % categories == 0, rows == 1 || rows == count else {
            return "\(name) have \(values.count) values for \(count) rows of \(categories) (expected 1 or \(count) rows)"
        }
        if let bad = values.firstIndex(where: { !isValid($0) }) {
            return "\(name) must be \(requirement), got \(values[bad]) at row \(bad / categories), category \(bad % categories)"
        }
        if normalized {
            for row in 0..<rows {
                let total = values[(row * categories)..<((row + 1) * categories)].reduce(0, +)
                if abs(total - 1) > 1e-8 * Double(categories) {
                    return "\(name) must sum to 1, row \(row) sums to \(total)"
                }
            }
        }
        return nil
    }
}

/// The categorical distribution: index j with probability p_j, by inverting the CDF (a linear
/// scan of the running sum against u · Σp, so rounding in Σp cannot give an out-of-range index).
package struct Categorical: ElementwiseSampler {
    /// The probabilities (rows sum to 1).
    package var probabilities: CategoryTable

    /// Categorical over `probabilities`' k categories.
    package init(probabilities: CategoryTable) { self.probabilities = probabilities }

    /// One category index in 0..<k, never one of probability 0.
    @inlinable
    package func sample(at index: Int, from stream: inout RandomStream) -> Int64 {
        let k = probabilities.categories
        let start = probabilities.rowStart(index)
        return probabilities.values.withUnsafeBufferPointer { all in
            let row = UnsafeBufferPointer(rebasing: all[start..<(start + k)])
            var total = 0.0
            for p in row { total += p }
            let target = stream.nextUnit() * total
            var running = 0.0
            var last = 0
            for j in 0..<k where row[j] > 0 {
                running += row[j]
                last = j
                if target < running { return Int64(j) }
            }
            return Int64(last)
        }
    }

    /// nil when every row is k ≥ 1 probabilities in [0, 1] summing to 1.
    package func validationFailure(count: Int) -> String? {
        probabilities.failure(count: count, name: "probabilities", requirement: "in [0, 1]", normalized: true) {
            $0 >= 0 && $0 <= 1
        }
    }
}

extension RandomState {
    /// Multinomial count vectors: row i of `output` (k counts) distributes `trials[i]` among the
    /// categories of `probabilities` row i, by sequential binomials: category j gets
    /// Binomial(remaining trials, p_j / remaining mass). Element i reads stream `firstElement + i`.
    package func fillMultinomial(
        _ output: UnsafeMutableBufferPointer<Int64>, trials: IntegerParameter, probabilities: CategoryTable,
        firstElement: Int = 0, threads: Int = 1
    ) {
        let k = probabilities.categories
        guard let base = output.baseAddress, k > 0 else { return }
        let writer = RowWriter(output: base, width: k) { i, row, stream in
            let element = firstElement + i
            let start = probabilities.rowStart(element)
            var remaining = trials[element]
            var mass = 1.0
            for j in 0..<k {
                let p = probabilities.values[start + j]
                if j == k - 1 || remaining == 0 {
                    row[j] = j == k - 1 ? remaining : 0
                    remaining -= row[j]
                    continue
                }
                let drawn = BinomialCount.sample(trials: remaining, probability: min(1, max(0, p / mass)), from: &stream)
                row[j] = drawn
                remaining -= drawn
                mass -= p
            }
        }
        FillJob(state: self, count: output.count / k, firstElement: firstElement, writer: writer).run(threads: threads)
    }

    /// Dirichlet vectors: row i of `output` is Gamma(α_j) variates normalised to sum 1, computed
    /// from log-gammas so that tiny concentrations (whose gammas underflow) still give a
    /// distribution rather than 0/0.
    package func fillDirichlet(
        _ output: UnsafeMutableBufferPointer<Double>, concentrations: CategoryTable, firstElement: Int = 0, threads: Int = 1
    ) {
        let k = concentrations.categories
        guard let base = output.baseAddress, k > 0 else { return }
        let writer = RowWriter(output: base, width: k) { i, row, stream in
            let start = concentrations.rowStart(firstElement + i)
            var largest = -Double.infinity
            for j in 0..<k {
                row[j] = StandardGamma.logSample(shape: concentrations.values[start + j], from: &stream)
                largest = max(largest, row[j])
            }
            var total = 0.0
            for j in 0..<k {
                row[j] = Double.exp(row[j] - largest)
                total += row[j]
            }
            for j in 0..<k { row[j] /= total }
        }
        FillJob(state: self, count: output.count / k, firstElement: firstElement, writer: writer).run(threads: threads)
    }

    /// nil when `trials` ≥ 0 and the probability rows are valid for a multinomial of `count` rows.
    package static func multinomialFailure(count: Int, trials: IntegerParameter, probabilities: CategoryTable) -> String? {
        trials.failure(name: "trials", count: count, requirement: "≥ 0") { $0 >= 0 }
            ?? probabilities.failure(count: count, name: "probabilities", requirement: "in [0, 1]", normalized: true) {
                $0 >= 0 && $0 <= 1
            }
    }

    /// nil when every concentration is finite and > 0.
    package static func dirichletFailure(count: Int, concentrations: CategoryTable) -> String? {
        concentrations.failure(count: count, name: "concentrations", requirement: "finite and > 0", normalized: false) {
            $0 > 0 && $0.isFinite
        }
    }
}

/// Writes a row of `width` values per element.
package struct RowWriter<Element>: ElementWriter, @unchecked Sendable {
    let output: UnsafeMutablePointer<Element>
    let width: Int
    let body: (Int, UnsafeMutableBufferPointer<Element>, inout RandomStream) -> Void

    /// Element `index`'s row.
    package func write(_ index: Int, _ stream: inout RandomStream) {
        body(index, UnsafeMutableBufferPointer(start: output + index * width, count: width), &stream)
    }
}
