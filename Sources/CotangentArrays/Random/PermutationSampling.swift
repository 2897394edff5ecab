// Random orders and subsets: shuffles, permutations and choice with or without replacement.
//
// A shuffle is one element of a draw (Fisher–Yates reads its swaps, in order, from element 0's
// stream); a choice with replacement is one element per pick; a weighted choice without
// replacement gives each population item its own stream (its key), so it too does not depend on
// chunking.

import RealModule

extension RandomState {
    /// Shuffles `values` in place by Fisher–Yates with unbiased (Lemire) swap positions, reading
    /// the stream of element `element`.
    package func shuffle<T>(_ values: inout [T], element: Int = 0) {
        var stream = self.stream(element: element)
        var i = values.count - 1
        while i > 0 {
            let j = Int(stream.nextUInt64(below: UInt64(i + 1)))
            values.swapAt(i, j)
            i -= 1
        }
    }

    /// A random permutation of 0..<count.
    package func permutation(_ count: Int) -> [Int64] {
        var values = (0..<Int64(max(0, count))).map { $0 }
        shuffle(&values)
        return values
    }

    /// `size` indices into a population of `population` items: with replacement, each pick is
    /// uniform (or categorical over `probabilities`); without, the first `size` of a partial
    /// Fisher–Yates shuffle (uniform), or the `size` largest keys log(u_j)/p_j over the items of
    /// nonzero probability (Efraimidis–Spirakis, the exponential-clock form of JAX's Gumbel top-k).
    /// Call `choiceFailure` first; invalid arguments give an empty result.
    package func choice(population: Int, size: Int, replace: Bool, probabilities: [Double]? = nil) -> [Int64] {
        guard RandomState.choiceFailure(population: population, size: size, replace: replace, probabilities: probabilities)
            == nil
        else { return [] }
        if replace {
            if let probabilities {
                return draw(size, from: Categorical(probabilities: CategoryTable(row: probabilities)))
            }
            return draw(size, from: UniformIntegers(low: 0, high: IntegerParameter(Int64(population))))
        }
        if let probabilities {
            var keys = (0..<population).map { item -> (key: Double, item: Int) in
                var stream = self.stream(element: item)
                let u = stream.nextOpenUnit()
                return (probabilities[item] > 0 ? Double.log(u) / probabilities[item] : -.infinity, item)
            }
            keys.sort { $0.key > $1.key || ($0.key == $1.key && $0.item < $1.item) }
            return keys.prefix(size).map { Int64($0.item) }
        }
        var values = (0..<Int64(population)).map { $0 }
        var stream = self.stream(element: 0)
        for i in 0..<size {
            let j = i + Int(stream.nextUInt64(below: UInt64(population - i)))
            values.swapAt(i, j)
        }
        return Array(values.prefix(size))
    }

    /// nil when `choice` can draw: population ≥ 1 (or size 0), size ≥ 0, size ≤ population
    /// without replacement (≤ the items of nonzero probability when weighted), probabilities
    /// of the population's length, in [0, 1], summing to 1.
    package static func choiceFailure(population: Int, size: Int, replace: Bool, probabilities: [Double]?) -> String? {
        if size < 0 { return "size must be ≥ 0, got \(size)" }
        if population < 0 { return "population must be ≥ 0, got \(population)" }
        if population == 0 && size > 0 { return "cannot choose from an empty population" }
        if let probabilities {
            if probabilities.count != population {
                return "probabilities have \(probabilities.count) values for a population of \(population)"
            }
            if let failure = CategoryTable(row: probabilities).failure(
                count: 1, name: "probabilities", requirement: "in [0, 1]", normalized: true, where: { $0 >= 0 && $0 <= 1 })
            {
                return failure
            }
            let possible = probabilities.filter { $0 > 0 }.count
            if !replace && size > possible {
                return "cannot take \(size) without replacement from \(possible) items of nonzero probability"
            }
        }
        if !replace && size > population {
            return "cannot take \(size) without replacement from a population of \(population)"
        }
        return nil
    }
}
