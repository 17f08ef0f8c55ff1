/// One input tensor of an inference request, whichever transport carried it (JSON, the binary
/// tensor extension, gRPC): its values flattened row-major and widened to Double.
public struct InferInput: Sendable, Equatable {
    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int]
    public var values: [Double]

    public init(name: String, datatype: TensorDatatype, shape: [Int], values: [Double]) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
        self.values = values
    }

    /// The number of elements `shape` holds; an error for a negative dimension or a product past
    /// `limit` (the elements the request's bytes could hold), so no size computed from it overflows.
    public static func elementCount(_ shape: [Int], name: String, limit: Int) throws(InferWireError) -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw InferWireError("input \"\(name)\": shape \(shape) has a negative dimension") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= limit else {
                throw InferWireError("input \"\(name)\": shape \(shape) holds more elements than the request carries")
            }
            n = p
        }
        return n
    }
}

/// A malformed inference request: the message names the input and what is wrong with it.
public struct InferWireError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
