import InferenceWire

/// What both transports of the Open Inference Protocol (REST and gRPC) share: the served model's
/// tensors, turning a request's inputs into feature rows, and scoring them.
enum InferenceScoring {
    /// The one output: the fraud probability of each row, FP64 `[N]`.
    static let output = "fraud_probability"
    /// The matrix input: `[N, features]` in the model's feature order.
    static let matrixInput = "input-0"

    /// Feature rows from the inputs: one `[N, features]` tensor, or one tensor per feature named after it.
    static func rows(_ inputs: [InferInput], features: [String], allowMissing: Bool) throws(InferWireError) -> (rows: [Double], count: Int) {
        if inputs.count == 1, inputs[0].shape.count == 2 {
            let t = inputs[0]
            guard t.shape[1] == features.count else {
                throw InferWireError("input shape [\(t.shape[0]), \(t.shape[1])] needs \(features.count) columns: "
                                     + features.joined(separator: ", "))
            }
            return (t.values, t.shape[0])
        }
        var columns: [String: [Double]] = [:]
        for t in inputs { columns[t.name] = t.values }
        let count = inputs[0].values.count
        for f in features where columns[f] == nil && !allowMissing {
            throw InferWireError("no input named \"\(f)\" (the model's features: \(features.joined(separator: ", ")))")
        }
        for t in inputs where t.values.count != count {
            throw InferWireError("input \"\(t.name)\" has \(t.values.count) values, others \(count)")
        }
        var rows = [Double](repeating: .nan, count: count * features.count)
        for (j, f) in features.enumerated() {
            guard let column = columns[f] else { continue }
            for r in 0..<count { rows[r * features.count + j] = column[r] }
        }
        return (rows, count)
    }

    /// The outputs a request names must be ours.
    static func checkOutputs(_ request: InferRequest) throws(InferWireError) {
        for o in request.outputs where o.name != output {
            throw InferWireError("unknown output \"\(o.name)\"; this model's output is \"\(output)\"")
        }
    }

    static func predict(_ serving: ServingModel, rows: [Double], count: Int) -> [Double] {
        var predictions = [Double](repeating: .nan, count: count)
        rows.withUnsafeBufferPointer { r in
            predictions.withUnsafeMutableBufferPointer { serving.loaded.model.predict(rows: r, into: $0) }
        }
        return predictions
    }
}
