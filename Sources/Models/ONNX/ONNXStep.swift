#if canImport(Glibc)
import Glibc
#endif

/// `post_transform` of the ai.onnx.ml classifiers and regressors.
enum PostTransform: String, Sendable {
    case none = "NONE", logistic = "LOGISTIC", softmax = "SOFTMAX", softmaxZero = "SOFTMAX_ZERO"

    static func parse(_ node: ONNXGraph.Node) throws -> PostTransform {
        let raw = node.string("post_transform") ?? "NONE"
        guard let p = PostTransform(rawValue: raw) else {
            throw ModelError("\(node.qualifiedName) post_transform \(raw) is not supported (NONE, LOGISTIC, SOFTMAX)")
        }
        return p
    }
}

@inline(__always) func logistic(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// One operator on one row: reads its input slots of the scratch vector, writes its output slot.
/// Every value of a Float tensor is rounded to Float after each step, as onnxruntime computes in Float.
enum ONNXStep: Sendable {
    case copy(from: ScratchRange, to: ScratchRange, toFloat: Bool)
    case truncate(from: ScratchRange, to: ScratchRange)
    case concat(from: [ScratchRange], to: ScratchRange)
    case imputer(from: ScratchRange, to: ScratchRange, imputed: [Double], replaced: Double, toFloat: Bool)
    case scaler(from: ScratchRange, to: ScratchRange, offset: [Double], scale: [Double], toFloat: Bool)
    case normalizer(from: ScratchRange, to: ScratchRange, norm: Norm, toFloat: Bool)
    case linear(from: ScratchRange, to: ScratchRange, weights: [Double], intercepts: [Double], post: PostTransform, classifier: Bool)
    case trees(from: ScratchRange, to: ScratchRange, ensemble: TreeEnsemble, base: Float, post: PostTransform, average: Bool, classifier: Bool)
    case sigmoid(from: ScratchRange, to: ScratchRange, toFloat: Bool)
    case softmax(from: ScratchRange, to: ScratchRange, toFloat: Bool)

    enum Norm: String, Sendable { case max = "MAX", l1 = "L1", l2 = "L2" }

    @inline(__always) static func store(_ v: Double, _ p: UnsafeMutablePointer<Double>, _ toFloat: Bool) {
        p.pointee = toFloat ? Double(Float(v)) : v
    }

    func run(_ s: UnsafeMutablePointer<Double>) {
        switch self {
        case .copy(let from, let to, let toFloat):
            for j in 0..<to.width { ONNXStep.store(s[from.offset + j], s + to.offset + j, toFloat) }
        case .truncate(let from, let to):
            for j in 0..<to.width {
                let v = s[from.offset + j]
                s[to.offset + j] = v.isFinite ? v.rounded(.towardZero) : 0
            }
        case .concat(let from, let to):
            var k = to.offset
            for part in from {
                for j in 0..<part.width { s[k] = s[part.offset + j]; k += 1 }
            }
        case .imputer(let from, let to, let imputed, let replaced, let toFloat):
            for j in 0..<to.width {
                let v = s[from.offset + j]
                let missing = replaced.isNaN ? v.isNaN : v == replaced
                ONNXStep.store(missing ? imputed[imputed.count == 1 ? 0 : j] : v, s + to.offset + j, toFloat)
            }
        case .scaler(let from, let to, let offset, let scale, let toFloat):
            for j in 0..<to.width {
                let o = offset[offset.count == 1 ? 0 : j], c = scale[scale.count == 1 ? 0 : j]
                let shifted = toFloat ? Double(Float(s[from.offset + j] - o)) : s[from.offset + j] - o
                ONNXStep.store(shifted * c, s + to.offset + j, toFloat)
            }
        case .normalizer(let from, let to, let norm, let toFloat):
            var d = 0.0
            for j in 0..<from.width {
                let v = s[from.offset + j]
                switch norm {
                case .max: d = j == 0 ? v : Swift.max(d, v)
                case .l1: d += abs(v)
                case .l2: d += v * v
                }
            }
            if norm == .l2 { d = d.squareRoot() }
            for j in 0..<to.width { ONNXStep.store(d == 0 ? s[from.offset + j] : s[from.offset + j] / d, s + to.offset + j, toFloat) }
        case .linear(let from, let to, let weights, let intercepts, let post, let classifier):
            let k = from.width, targets = intercepts.count
            func score(_ t: Int) -> Double {
                var acc = intercepts[t]
                for j in 0..<k { acc += weights[t * k + j] * s[from.offset + j] }
                return acc
            }
            // One target: the positive class's score; two: one per class.
            let scores = targets == 1 ? (0, score(0)) : (score(0), score(1))
            ONNXStep.finish(scores: scores, count: targets, post: post, classifier: classifier, into: s + to.offset)
        case .trees(let from, let to, let ensemble, let base, let post, let average, let classifier):
            var sum = withUnsafeTemporaryAllocation(of: Float.self, capacity: from.width) { x in
                for j in 0..<from.width { x[j] = Float(s[from.offset + j]) }
                return Double(ensemble.sum(x.baseAddress!, start: 0))
            }
            if average { sum /= Double(Swift.max(1, ensemble.treeCount)) }
            ONNXStep.finish(scores: (0, Double(Float(sum + Double(base)))), count: 1, post: post,
                            classifier: classifier, into: s + to.offset)
        case .sigmoid(let from, let to, let toFloat):
            for j in 0..<to.width { ONNXStep.store(logistic(s[from.offset + j]), s + to.offset + j, toFloat) }
        case .softmax(let from, let to, let toFloat):
            var m = -Double.infinity
            for j in 0..<from.width { m = Swift.max(m, s[from.offset + j]) }
            var total = 0.0
            for j in 0..<from.width { total += exp(s[from.offset + j] - m) }
            for j in 0..<to.width { ONNXStep.store(exp(s[from.offset + j] - m) / total, s + to.offset + j, toFloat) }
        }
    }

    /// Writes a binary classifier's [P(class 0), P(class 1)], or a regressor's one value, from one
    /// score (the positive class's) or two (one per class), in Float as onnxruntime does.
    @inline(__always)
    static func finish(scores: (Double, Double), count: Int, post: PostTransform, classifier: Bool,
                       into out: UnsafeMutablePointer<Double>) {
        let p: Double
        switch (post, count) {
        case (.none, _): p = scores.1
        case (.logistic, _): p = logistic(scores.1)
        case (.softmax, 1), (.softmaxZero, 1): p = scores.1
        case (.softmax, _), (.softmaxZero, _): p = logistic(scores.1 - scores.0)
        }
        let value = Double(Float(p))
        if classifier {
            out[0] = Double(Float(1 - value))
            out[1] = value
        } else {
            out[0] = value
        }
    }
}
