/// gRPC's `inference.ModelInferRequest` decoded straight into an `InferRequest`, and the
/// `ModelInferResponse` written straight from predictions: the request path's protobuf, with the
/// field numbers of the protocol's `grpc_predict_v2.proto` (Sources/InferenceProto holds the
/// generated messages; the tests check this codec against them).
public enum ModelInferWire {
    /// The request's model name and version (empty when not given) and its decoded inputs.
    public struct Request: Sendable {
        public var modelName = ""
        public var modelVersion = ""
        public var infer = InferRequest()
    }

    /// One input tensor as it arrives: its typed contents are decoded on the way, its raw contents
    /// (if the request uses `raw_input_contents`) matched to it afterwards.
    private struct PendingInput {
        var name = ""
        var datatype = ""
        var shape: [Int] = []
        var values: [Double] = []
        /// The InferTensorContents field the values came from (0: none).
        var contentsField: UInt64 = 0
    }

    public static func decodeRequest(_ message: UnsafeRawBufferPointer) throws(InferWireError) -> Request {
        var r = ProtoReader(message)
        var request = Request()
        var inputs: [PendingInput] = []
        var raw: [UnsafeRawBufferPointer] = []
        while let (field, type) = try r.nextField() {
            switch (field, type) {
            case (1, .lengthDelimited): request.modelName = try r.string()
            case (2, .lengthDelimited): request.modelVersion = try r.string()
            case (3, .lengthDelimited): request.infer.id = try r.string()
            case (5, .lengthDelimited): inputs.append(try input(try r.lengthDelimited()))
            case (6, .lengthDelimited): request.infer.outputs.append(RequestedOutput(name: try output(try r.lengthDelimited())))
            case (7, .lengthDelimited): raw.append(try r.lengthDelimited())
            case (1...7, _): throw InferWireError("ModelInferRequest: field \(field) has the wrong wire type")
            default: try r.skip(type)
            }
        }
        guard !inputs.isEmpty else { throw InferWireError("ModelInferRequest has no inputs") }
        if !raw.isEmpty {
            guard raw.count == inputs.count else {
                throw InferWireError("raw_input_contents has \(raw.count) entries for \(inputs.count) inputs; it needs one per input, in order")
            }
            if let typed = inputs.first(where: { $0.contentsField != 0 }) {
                throw InferWireError("input \"\(typed.name)\" has typed contents beside raw_input_contents; use one or the other")
            }
        }
        for (i, p) in inputs.enumerated() {
            guard let datatype = TensorDatatype(rawValue: p.datatype), datatype != .BYTES else {
                throw InferWireError("input \"\(p.name)\": datatype \"\(p.datatype)\" must be \(TensorDatatype.numericNames)")
            }
            if !raw.isEmpty {
                request.infer.inputs.append(try InferRequest.decodeRaw(name: p.name, datatype: datatype, shape: p.shape, raw[i]))
                continue
            }
            let field = contentsField(datatype)
            guard p.contentsField == field else {
                throw InferWireError(p.contentsField == 0 && field != 0
                    ? "input \"\(p.name)\" has no contents (\(contentsName(field)), or raw_input_contents)"
                    : "input \"\(p.name)\": \(datatype.rawValue) values go in " + (field == 0 ? "raw_input_contents" : contentsName(field)))
            }
            let count = try InferInput.elementCount(p.shape, name: p.name, limit: Int.max)
            guard count == p.values.count else {
                throw InferWireError("input \"\(p.name)\": shape \(p.shape) holds \(count) values, contents have \(p.values.count)")
            }
            var values = p.values
            for j in values.indices {
                guard let v = datatype.narrow(values[j]) else {
                    throw InferWireError("input \"\(p.name)\": \(values[j]) is not a \(datatype.rawValue) value")
                }
                values[j] = v
            }
            request.infer.inputs.append(InferInput(name: p.name, datatype: datatype, shape: p.shape, values: values))
        }
        return request
    }

    private static func input(_ bytes: UnsafeRawBufferPointer) throws(InferWireError) -> PendingInput {
        var r = ProtoReader(bytes)
        var p = PendingInput()
        while let (field, type) = try r.nextField() {
            switch (field, type) {
            case (1, .lengthDelimited): p.name = try r.string()
            case (2, .lengthDelimited): p.datatype = try r.string()
            case (3, .lengthDelimited):  // packed
                var packed = ProtoReader(try r.lengthDelimited())
                while !packed.isAtEnd { p.shape.append(try dimension(try packed.varint(), p.name)) }
            case (3, .varint):
                p.shape.append(try dimension(try r.varint(), p.name))
            case (5, .lengthDelimited): try contents(try r.lengthDelimited(), into: &p)
            case (1, _), (2, _), (3, _), (5, _): throw InferWireError("InferInputTensor: field \(field) has the wrong wire type")
            default: try r.skip(type)
            }
        }
        return p
    }

    /// A shape's dimension: an int64 on the wire, at most 2^62 here (so products are checked
    /// without overflow before any size is trusted).
    private static func dimension(_ wire: UInt64, _ name: String) throws(InferWireError) -> Int {
        let d = Int64(bitPattern: wire)
        guard d >= 0 && d <= 1 << 62 else { throw InferWireError("input \"\(name)\": shape has a dimension of \(d)") }
        return Int(d)
    }

    private static func output(_ bytes: UnsafeRawBufferPointer) throws(InferWireError) -> String {
        var r = ProtoReader(bytes)
        var name = ""
        while let (field, type) = try r.nextField() {
            if field == 1 && type == .lengthDelimited { name = try r.string() } else { try r.skip(type) }
        }
        return name
    }

    /// InferTensorContents: one repeated field per datatype family.
    private static func contents(_ bytes: UnsafeRawBufferPointer, into p: inout PendingInput) throws(InferWireError) {
        var r = ProtoReader(bytes)
        while let (field, type) = try r.nextField() {
            guard (1...7).contains(field) else {
                if field == 8 { throw InferWireError("input \"\(p.name)\": bytes_contents cannot be a model input; send numbers") }
                try r.skip(type)
                continue
            }
            if p.contentsField != 0 && p.contentsField != field {
                throw InferWireError("input \"\(p.name)\" has values in more than one contents field")
            }
            p.contentsField = field
            switch field {
            case 1, 3, 5:  // bool, int64, uint64
                try r.appendRepeated(type, element: .varint, into: &p.values) { r throws(InferWireError) in
                    let v = try r.varint()
                    return field == 5 ? Double(v) : Double(Int64(bitPattern: v))
                }
            case 2:  // int32: sign-extended to 64 bits on the wire
                try r.appendRepeated(type, element: .varint, into: &p.values) { r throws(InferWireError) in
                    Double(Int32(truncatingIfNeeded: Int64(bitPattern: try r.varint())))
                }
            case 4:  // uint32
                try r.appendRepeated(type, element: .varint, into: &p.values) { r throws(InferWireError) in
                    Double(UInt32(truncatingIfNeeded: try r.varint()))
                }
            case 6:
                try r.appendRepeated(type, element: .fixed32, into: &p.values) { r throws(InferWireError) in
                    Double(Float(bitPattern: try r.fixed32()))
                }
            default:
                try r.appendRepeated(type, element: .fixed64, into: &p.values) { r throws(InferWireError) in
                    Double(bitPattern: try r.fixed64())
                }
            }
        }
    }

    /// The InferTensorContents field a datatype's values go in (0: raw only, as FP16).
    static func contentsField(_ datatype: TensorDatatype) -> UInt64 {
        switch datatype {
        case .BOOL: 1
        case .INT8, .INT16, .INT32: 2
        case .INT64: 3
        case .UINT8, .UINT16, .UINT32: 4
        case .UINT64: 5
        case .FP32: 6
        case .FP64: 7
        case .FP16, .BYTES: 0
        }
    }

    static func contentsName(_ field: UInt64) -> String {
        ["", "bool_contents", "int_contents", "int64_contents", "uint_contents", "uint64_contents", "fp32_contents",
         "fp64_contents", "bytes_contents"][Int(field)]
    }

    /// A ModelInferResponse with one FP64 output `[n]`, its values in `raw_output_contents` (as
    /// Triton answers, and what its client reads).
    public static func encodeResponse(modelName: String, modelVersion: String, id: String?, output: String,
                                      predictions: UnsafeBufferPointer<Double>, into w: inout ProtoWriter) {
        w.string(1, modelName)
        w.string(2, modelVersion)
        if let id, !id.isEmpty { w.string(3, id) }
        // InferOutputTensor {name, datatype "FP64", shape [n] (packed)}, its size known up front.
        let n = UInt64(predictions.count)
        let shapeSize = ProtoWriter.varintSize(n)
        let nameSize = output.utf8.count
        let tensorSize = (1 + ProtoWriter.varintSize(UInt64(nameSize)) + nameSize) + (1 + 1 + 4) + (1 + 1 + shapeSize)
        w.tag(5, .lengthDelimited)
        w.varint(UInt64(tensorSize))
        w.string(1, output)
        w.string(2, "FP64")
        w.tag(3, .lengthDelimited)
        w.varint(UInt64(shapeSize))
        w.varint(n)
        w.tag(6, .lengthDelimited)
        w.varint(UInt64(predictions.count * 8))
        for p in predictions { w.fixed64(p.bitPattern) }
    }
}
