import Foundation
import Models
import Support

/// Random tree ensembles and rows for checking the tree kernels against the trees' plain meaning.
enum RandomTrees {
    struct Tree {
        var left: [Int] = [], right: [Int] = [], feature: [Int] = [], threshold: [Float] = [], defaultLeft: [Bool] = []
    }

    /// A random tree of `leaves` leaves (fewer if `maxDepth` stops it first): leaves no deeper than
    /// `maxDepth - 1` are split at random until there are enough. Thresholds come from `cuts`, so
    /// rows can hit them exactly.
    static func tree(leaves: Int, maxDepth: Int = .max, features: Int, cuts: [Float], _ g: inout SplitMix64) -> Tree {
        var t = Tree()
        func node(leaf value: Float) -> Int {
            t.left.append(-1); t.right.append(-1); t.feature.append(0); t.threshold.append(value); t.defaultLeft.append(true)
            return t.left.count - 1
        }
        var open = [(node: node(leaf: Float.random(in: -1...1, using: &g)), depth: 0)], leafCount = 1
        while leafCount < leaves {
            let splittable = open.indices.filter { open[$0].depth < maxDepth }
            guard let pick = splittable.randomElement(using: &g) else { break }
            let (i, depth) = open.remove(at: pick)
            let l = node(leaf: Float.random(in: -1...1, using: &g)), r = node(leaf: Float.random(in: -1...1, using: &g))
            t.left[i] = l; t.right[i] = r
            t.feature[i] = Int.random(in: 0..<features, using: &g)
            t.threshold[i] = cuts.randomElement(using: &g)!
            t.defaultLeft[i] = Bool.random(using: &g)
            open += [(l, depth + 1), (r, depth + 1)]
            leafCount += 1
        }
        return t
    }

    /// The trees' meaning, node by node: left when `x < threshold`, a missing value to the default side.
    static func reference(_ trees: [Tree], _ row: ArraySlice<Float>, start: Float) -> Float {
        var acc = start
        for t in trees {
            var i = 0
            while t.left[i] != -1 {
                let x = row[row.startIndex + t.feature[i]]
                i = (x.isNaN ? t.defaultLeft[i] : x < t.threshold[i]) ? t.left[i] : t.right[i]
            }
            acc += t.threshold[i]
        }
        return acc
    }

    static func ensemble(trees: Int, leaves: ClosedRange<Int>, maxDepth: Int = .max, features: Int, cuts: [Float],
                         seed: UInt64) throws -> (TreeEnsemble, [Tree]) {
        var g = SplitMix64(seed: seed)
        var e = TreeEnsemble(featureCount: features)
        var all: [Tree] = []
        for _ in 0..<trees {
            let t = tree(leaves: Int.random(in: leaves, using: &g), maxDepth: maxDepth, features: features, cuts: cuts, &g)
            try e.appendTree(left: t.left, right: t.right, feature: t.feature, threshold: t.threshold, defaultLeft: t.defaultLeft)
            all.append(t)
        }
        return (e, all)
    }

    /// `count` rows of `features` values: a tenth missing, a tenth infinite, a fifth exactly a cut.
    static func rows(_ count: Int, features: Int, cuts: [Float], seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0..<(count * features)).map { _ in
            switch Int.random(in: 0..<10, using: &g) {
            case 0: return .nan
            case 1: return [Float.infinity, -.infinity].randomElement(using: &g)!
            case 2, 3: return cuts.randomElement(using: &g)!  // exactly a threshold
            default: return Float.random(in: -3...3, using: &g)
            }
        }
    }

    /// Whether this machine is x86-64 with AVX2, read from /proc/cpuinfo's flags, independently of the
    /// kernels' own CPUID check.
    static var isX86WithAVX2: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx2") }
    }
}
