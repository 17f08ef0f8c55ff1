import ONNXProto
import SwiftProtobuf

/// Reads an ONNX ModelProto (protobuf) into an `ONNXGraph`. Load time only.
extension ONNXGraph {
    public init(protobuf bytes: [UInt8]) throws {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw ModelError("not a valid ONNX file (protobuf ModelProto): \(error)")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw ModelError("the ONNX file has no graph nodes")
        }
        self.init()
        producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        for opset in model.opsetImport { opsets[opset.domain] = opset.version }
        for entry in model.metadataProps { metadata[entry.key] = entry.value }
        let graph = model.graph
        for tensor in graph.initializer {
            initializers[tensor.name] = try ONNXGraph.tensor(tensor)
        }
        inputs = graph.input.filter { initializers[$0.name] == nil }.map(ONNXGraph.value)
        outputs = graph.output.map(ONNXGraph.value)
        nodes = try graph.node.map { node in
            var attributes: [String: Attribute] = [:]
            for a in node.attribute { attributes[a.name] = try ONNXGraph.attribute(a) }
            return Node(opType: node.opType, domain: node.domain, name: node.name, inputs: node.input,
                        outputs: node.output, attributes: attributes)
        }
    }

    static func value(_ info: Onnx_ValueInfoProto) -> Value {
        guard case .tensorType(let t)? = info.type.value else {
            return Value(name: info.name, elementType: 0, shape: [])
        }
        let shape: [Int?] = t.shape.dim.map { d in
            if case .dimValue(let v)? = d.value, v > 0 { return Int(v) }
            return nil
        }
        return Value(name: info.name, elementType: Int(t.elemType), shape: shape)
    }

    static func attribute(_ a: Onnx_AttributeProto) throws -> Attribute {
        switch a.type {
        case .float: return .float(a.f)
        case .int: return .int(a.i)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints)
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .tensor: return .tensor(try tensor(a.t))
        default: return .unsupported
        }
    }

    static func tensor(_ t: Onnx_TensorProto) throws -> Tensor {
        let dims = t.dims.map { Int($0) }
        var count = 1
        for d in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { throw ModelError("ONNX tensor \(t.name) has impossible dims \(t.dims)") }
            count = product
        }
        let type = Int(t.dataType)
        var values: [Double]
        switch type {
        case ElementType.float:
            values = t.floatData.map(Double.init)
            if values.isEmpty && !t.rawData.isEmpty {
                values = t.rawData.withUnsafeBytes { raw in
                    (0..<(raw.count / 4)).map { Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian)) }
                }
            }
        case ElementType.double:
            values = t.doubleData
            if values.isEmpty && !t.rawData.isEmpty {
                values = t.rawData.withUnsafeBytes { raw in
                    (0..<(raw.count / 8)).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self).littleEndian) }
                }
            }
        case ElementType.int64:
            values = t.int64Data.map { Double($0) }
            if values.isEmpty && !t.rawData.isEmpty {
                values = t.rawData.withUnsafeBytes { raw in
                    (0..<(raw.count / 8)).map { Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self))) }
                }
            }
        case 6:  // INT32
            values = t.int32Data.map { Double($0) }
        default:
            values = []
        }
        if !values.isEmpty && values.count != count {
            throw ModelError("ONNX tensor \(t.name) has \(values.count) values for dims \(dims)")
        }
        return Tensor(dims: dims, elementType: type, values: values)
    }

    /// A protobuf ModelProto starts with field 1 (ir_version, varint) or another low field number.
    public static func looksLikeONNX(_ bytes: [UInt8]) -> Bool {
        guard bytes.count > 8 else { return false }
        // Tag byte: field 1 varint (0x08), or the opset_import / producer fields writers sometimes put first.
        return [0x08, 0x12, 0x1A, 0x22, 0x3A, 0x42].contains(bytes[0]) && (try? Onnx_ModelProto(serializedBytes: bytes).hasGraph) == true
    }
}
