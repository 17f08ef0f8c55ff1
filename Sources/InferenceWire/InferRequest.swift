/// An Open Inference Protocol inference request, decoded from either transport: the REST body
/// (JSON tensors, or the binary tensor data extension's JSON header followed by raw tensor bytes)
/// or gRPC's ModelInferRequest.
public struct InferRequest: Sendable, Equatable {
    public var id: String?
    public var inputs: [InferInput]
    /// The outputs the client named (empty: all of them).
    public var outputs: [RequestedOutput]
    /// The request-level `binary_data_output` parameter: every output as raw bytes.
    public var binaryOutput: Bool

    public init(id: String? = nil, inputs: [InferInput] = [], outputs: [RequestedOutput] = [], binaryOutput: Bool = false) {
        self.id = id
        self.inputs = inputs
        self.outputs = outputs
        self.binaryOutput = binaryOutput
    }

    /// Whether output `name` goes back as raw bytes: its own `binary_data` parameter, else the
    /// request's `binary_data_output`.
    public func wantsBinary(_ name: String) -> Bool {
        outputs.first { $0.name == name }?.binary ?? binaryOutput
    }
}

/// An output a request asks for, and whether it wants it as raw bytes (nil: as the request says).
public struct RequestedOutput: Sendable, Equatable {
    public var name: String
    public var binary: Bool?
    public init(name: String, binary: Bool? = nil) {
        self.name = name
        self.binary = binary
    }
}

extension InferRequest {
    /// Decodes a REST body. `headerLength` is the `Inference-Header-Content-Length` value, when
    /// present: then only that many bytes are JSON, and the inputs whose `parameters` give a
    /// `binary_data_size` take their bytes, in order, from what follows. Every size is checked
    /// against the body before a byte is read. The JSON is scanned once, straight into the
    /// tensors' values (no document tree).
    public static func rest(_ body: UnsafeRawBufferPointer, headerLength: Int?) throws(InferWireError) -> InferRequest {
        let jsonCount = headerLength ?? body.count
        guard jsonCount >= 0 && jsonCount <= body.count else {
            throw InferWireError("Inference-Header-Content-Length \(jsonCount) is past the end of the \(body.count)-byte body")
        }
        var reader = RESTReader(body: body, jsonCount: jsonCount, binaryAllowed: headerLength != nil)
        do {
            return try reader.document()
        } catch let e as InferWireError {
            throw e
        } catch {
            let hint = headerLength == nil ? " (a body with binary tensors needs the Inference-Header-Content-Length header)" : ""
            throw InferWireError("Invalid JSON: \(error)\(hint)")
        }
    }

    /// A tensor's raw little-endian bytes, checked against its shape and datatype.
    public static func decodeRaw(name: String, datatype: TensorDatatype, shape: [Int],
                                 _ raw: UnsafeRawBufferPointer) throws(InferWireError) -> InferInput {
        guard let width = datatype.width else {
            throw InferWireError("input \"\(name)\": datatype must be \(TensorDatatype.numericNames)")
        }
        let count = try InferInput.elementCount(shape, name: name, limit: raw.count / width + 1)
        guard count * width == raw.count else {
            throw InferWireError("input \"\(name)\": \(datatype.rawValue) \(shape) needs \(count * width) bytes, got \(raw.count)")
        }
        var values: [Double] = []
        datatype.appendRaw(raw, count: count, to: &values)
        return InferInput(name: name, datatype: datatype, shape: shape, values: values)
    }
}
