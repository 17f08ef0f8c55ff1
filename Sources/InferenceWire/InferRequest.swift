import JSON

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
    /// against the body before a byte is read.
    public static func rest(_ body: UnsafeRawBufferPointer, headerLength: Int?) throws(InferWireError) -> InferRequest {
        let jsonCount = headerLength ?? body.count
        guard jsonCount >= 0 && jsonCount <= body.count else {
            throw InferWireError("Inference-Header-Content-Length \(jsonCount) is past the end of the \(body.count)-byte body")
        }
        let doc: JSONValue
        do {
            doc = try JSONValue.parse(UnsafeRawBufferPointer(rebasing: body[0..<jsonCount]))
        } catch let e {
            let hint = headerLength == nil ? " (a body with binary tensors needs the Inference-Header-Content-Length header)" : ""
            throw InferWireError("Invalid JSON: \(e)\(hint)")
        }
        guard case .object = doc else { throw InferWireError("The request must be a JSON object with \"inputs\"") }
        guard let inputs = doc["inputs"]?.arrayValue, !inputs.isEmpty else {
            throw InferWireError("The request needs \"inputs\": a list of tensors")
        }
        var request = InferRequest()
        if let id = doc["id"] {
            guard let s = id.stringValue else { throw InferWireError("\"id\" must be a string") }
            request.id = s
        }
        request.binaryOutput = try flag(doc["parameters"], "binary_data_output", "request parameters")
        if let outputs = doc["outputs"] {
            guard let list = outputs.arrayValue else { throw InferWireError("\"outputs\" must be a list") }
            for o in list {
                guard let name = o["name"]?.stringValue else { throw InferWireError("every output needs a \"name\"") }
                let binary: Bool? = o["parameters"]?["binary_data"] == nil ? nil
                    : try flag(o["parameters"], "binary_data", "output \"\(name)\" parameters")
                request.outputs.append(RequestedOutput(name: name, binary: binary))
            }
        }
        var offset = jsonCount
        for t in inputs {
            request.inputs.append(try input(t, body: body, offset: &offset, binaryAllowed: headerLength != nil))
        }
        if offset != body.count {
            throw InferWireError("\(body.count - offset) bytes follow the inputs' binary data (binary_data_size total "
                                 + "\(offset - jsonCount), after the \(jsonCount)-byte JSON header)")
        }
        return request
    }

    private static func flag(_ parameters: JSONValue?, _ key: String, _ what: String) throws(InferWireError) -> Bool {
        guard let v = parameters?[key] else { return false }
        guard let b = v.boolValue else { throw InferWireError("\(what): \"\(key)\" must be true or false") }
        return b
    }

    private static func input(_ t: JSONValue, body: UnsafeRawBufferPointer, offset: inout Int,
                              binaryAllowed: Bool) throws(InferWireError) -> InferInput {
        guard let name = t["name"]?.stringValue else { throw InferWireError("every input needs a \"name\"") }
        guard let typeName = t["datatype"]?.stringValue, let datatype = TensorDatatype(rawValue: typeName),
              datatype != .BYTES else {
            throw InferWireError("input \"\(name)\": datatype must be \(TensorDatatype.numericNames)")
        }
        var shape: [Int]? = nil
        if let s = t["shape"] {
            guard let dims = s.arrayValue, let ints = Optional(dims.compactMap(\.intValue)), ints.count == dims.count else {
                throw InferWireError("input \"\(name)\": shape must be a list of integers")
            }
            shape = ints
        }
        if let size = t["parameters"]?["binary_data_size"] {
            guard binaryAllowed else {
                throw InferWireError("input \"\(name)\" has binary_data_size but the request has no Inference-Header-Content-Length header")
            }
            guard t["data"] == nil else { throw InferWireError("input \"\(name)\" has both data and binary_data_size") }
            guard let shape else { throw InferWireError("input \"\(name)\": binary data needs a shape") }
            guard let n = size.intValue, n >= 0 else {
                throw InferWireError("input \"\(name)\": binary_data_size must be a non-negative integer")
            }
            guard n <= body.count - offset else {
                throw InferWireError("input \"\(name)\": binary_data_size \(n) runs past the end of the body "
                                     + "(\(body.count - offset) bytes left)")
            }
            let raw = UnsafeRawBufferPointer(rebasing: body[offset..<(offset + n)])
            offset += n
            return try decodeRaw(name: name, datatype: datatype, shape: shape, raw)
        }
        guard let data = t["data"] else { throw InferWireError("input \"\(name)\" has no data") }
        var values: [Double] = []
        try flatten(data, into: &values, name: name, datatype: datatype, depth: 0)
        if let shape {
            let expected = try InferInput.elementCount(shape, name: name, limit: Int.max)
            // A per-feature tensor may give one dimension for its column; a matrix must match.
            guard expected == values.count else {
                throw InferWireError("input \"\(name)\": shape says \(expected) values, data has \(values.count)")
            }
        }
        return InferInput(name: name, datatype: datatype, shape: shape ?? [values.count], values: values)
    }

    private static func flatten(_ v: JSONValue, into out: inout [Double], name: String, datatype: TensorDatatype,
                                depth: Int) throws(InferWireError) {
        switch v {
        case .array(let items):
            for x in items { try flatten(x, into: &out, name: name, datatype: datatype, depth: depth + 1) }
        case .number(let n):
            guard let d = datatype.narrow(n.double) else {
                throw InferWireError("input \"\(name)\": \(n.double) is not a \(datatype.rawValue) value")
            }
            out.append(d)
        case .null: out.append(.nan)  // a missing feature
        case .bool(let b): out.append(b ? 1 : 0)
        default: throw InferWireError("input \"\(name)\" value must be a number or null")
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
