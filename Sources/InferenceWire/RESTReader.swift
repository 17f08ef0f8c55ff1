import JSON

/// Scans an inference request's JSON (the whole REST body, or the header before binary tensor
/// data) in one pass with `JSONScanner`: members in any order, unknown ones skipped, each input's
/// `data` read straight into Doubles. Syntax errors are the scanner's `JSONError`s; everything
/// else is an `InferWireError` naming the input.
struct RESTReader {
    private let body: UnsafeRawBufferPointer
    private let jsonCount: Int
    private let binaryAllowed: Bool
    private var s: JSONScanner
    /// Where the next binary input's bytes start.
    private var offset: Int
    /// Nesting of `data` arrays allowed (a tensor has few dimensions).
    private static let maxDataDepth = 32

    init(body: UnsafeRawBufferPointer, jsonCount: Int, binaryAllowed: Bool) {
        self.body = body
        self.jsonCount = jsonCount
        self.binaryAllowed = binaryAllowed
        s = JSONScanner(UnsafeRawBufferPointer(rebasing: body[0..<jsonCount]))
        offset = jsonCount
    }

    mutating func document() throws -> InferRequest {
        try beginObject(InferWireError("The request must be a JSON object with \"inputs\""))
        var request = InferRequest()
        var sawInputs = false
        var first = true
        while let key = try nextKey(&first) {
            switch key {
            case "id":
                guard try s.peekKind() == .string else { throw InferWireError("\"id\" must be a string") }
                request.id = try s.string(try s.readString())
            case "inputs":
                guard try s.peekKind() == .array else { throw InferWireError("The request needs \"inputs\": a list of tensors") }
                _ = s.consume(UInt8(ascii: "["))
                if !s.consume(UInt8(ascii: "]")) {
                    repeat { request.inputs.append(try input()) } while s.consume(UInt8(ascii: ","))
                    try s.expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
                }
                sawInputs = true
            case "outputs":
                guard try s.peekKind() == .array else { throw InferWireError("\"outputs\" must be a list") }
                _ = s.consume(UInt8(ascii: "["))
                if !s.consume(UInt8(ascii: "]")) {
                    repeat { request.outputs.append(try output()) } while s.consume(UInt8(ascii: ","))
                    try s.expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
                }
            case "parameters":
                request.binaryOutput = try flag(in: "request parameters", "binary_data_output") ?? false
            default:
                try s.skipValue()
            }
        }
        try s.expectEnd()
        guard sawInputs, !request.inputs.isEmpty else { throw InferWireError("The request needs \"inputs\": a list of tensors") }
        if offset != body.count {
            throw InferWireError("\(body.count - offset) bytes follow the inputs' binary data (binary_data_size total "
                                 + "\(offset - jsonCount), after the \(jsonCount)-byte JSON header)")
        }
        return request
    }

    /// Consumes the `{` of the object that must come next, or throws `problem`.
    private mutating func beginObject(_ problem: InferWireError) throws {
        guard try s.peekKind() == .object else { throw problem }
        _ = s.consume(UInt8(ascii: "{"))
    }

    /// The next member's key, the scanner at its value; nil at the object's end. `first` is true
    /// just after the `{`.
    private mutating func nextKey(_ first: inout Bool) throws -> String? {
        var matched = false
        guard let key = try s.nextMember(first: first, guess: UnsafeRawBufferPointer(start: nil, count: 0), matchedGuess: &matched) else {
            return nil
        }
        first = false
        return try s.string(key)
    }

    /// The value of boolean `key` in the `parameters` object that comes next (others skipped).
    private mutating func flag(in what: String, _ key: String) throws -> Bool? {
        try beginObject(InferWireError("\(what) must be an object"))
        var value: Bool? = nil
        var first = true
        while let k = try nextKey(&first) {
            guard k == key else { try s.skipValue(); continue }
            guard try s.peekKind() == .bool else { throw InferWireError("\(what): \"\(key)\" must be true or false") }
            value = try s.readBool()
        }
        return value
    }

    private mutating func output() throws -> RequestedOutput {
        try beginObject(InferWireError("every output needs a \"name\""))
        var name: String? = nil
        var binary: Bool? = nil
        var first = true
        while let k = try nextKey(&first) {
            switch k {
            case "name":
                guard try s.peekKind() == .string else { throw InferWireError("every output needs a \"name\"") }
                name = try s.string(try s.readString())
            case "parameters":
                binary = try flag(in: "output \"\(name ?? "")\" parameters", "binary_data")
            default:
                try s.skipValue()
            }
        }
        guard let name else { throw InferWireError("every output needs a \"name\"") }
        return RequestedOutput(name: name, binary: binary)
    }

    private mutating func input() throws -> InferInput {
        try beginObject(InferWireError("every input needs a \"name\""))
        var name: String? = nil
        var typeName: String? = nil
        var datatype: TensorDatatype? = nil
        var shape: [Int]? = nil
        var binarySize: Int? = nil
        var values: [Double]? = nil
        var first = true
        while let k = try nextKey(&first) {
            switch k {
            case "name":
                guard try s.peekKind() == .string else { throw InferWireError("every input needs a \"name\"") }
                name = try s.string(try s.readString())
            case "datatype":
                guard try s.peekKind() == .string else { throw InferWireError("input \"\(name ?? "")\": datatype must be a string") }
                typeName = try s.string(try s.readString())
                datatype = typeName.flatMap(TensorDatatype.init(rawValue:))
            case "shape":
                shape = try dimensions(name ?? "")
            case "parameters":
                binarySize = try size(name ?? "")
            case "data":
                if typeName != nil, datatype == nil || datatype == .BYTES {
                    throw InferWireError("input \"\(name ?? "")\": datatype must be \(TensorDatatype.numericNames)")
                }
                var out: [Double] = []
                try data(into: &out, name: name ?? "", depth: 0)
                values = out
            default:
                try s.skipValue()
            }
        }
        guard let name else { throw InferWireError("every input needs a \"name\"") }
        guard let datatype, datatype != .BYTES else {
            throw InferWireError("input \"\(name)\": datatype must be \(TensorDatatype.numericNames)")
        }
        if let binarySize {
            guard binaryAllowed else {
                throw InferWireError("input \"\(name)\" has binary_data_size but the request has no Inference-Header-Content-Length header")
            }
            guard values == nil else { throw InferWireError("input \"\(name)\" has both data and binary_data_size") }
            guard let shape else { throw InferWireError("input \"\(name)\": binary data needs a shape") }
            guard binarySize <= body.count - offset else {
                throw InferWireError("input \"\(name)\": binary_data_size \(binarySize) runs past the end of the body "
                                     + "(\(body.count - offset) bytes left)")
            }
            let raw = UnsafeRawBufferPointer(rebasing: body[offset..<(offset + binarySize)])
            offset += binarySize
            return try InferRequest.decodeRaw(name: name, datatype: datatype, shape: shape, raw)
        }
        guard var values else { throw InferWireError("input \"\(name)\" has no data") }
        for i in values.indices where !values[i].isNaN {
            guard let v = datatype.narrow(values[i]) else {
                throw InferWireError("input \"\(name)\": \(values[i]) is not a \(datatype.rawValue) value")
            }
            values[i] = v
        }
        if let shape {
            let expected = try InferInput.elementCount(shape, name: name, limit: Int.max)
            guard expected == values.count else {
                throw InferWireError("input \"\(name)\": shape says \(expected) values, data has \(values.count)")
            }
        }
        return InferInput(name: name, datatype: datatype, shape: shape ?? [values.count], values: values)
    }

    private mutating func dimensions(_ name: String) throws -> [Int] {
        let problem = InferWireError("input \"\(name)\": shape must be a list of integers")
        guard try s.peekKind() == .array else { throw problem }
        _ = s.consume(UInt8(ascii: "["))
        var dims: [Int] = []
        if s.consume(UInt8(ascii: "]")) { return dims }
        repeat {
            guard try s.peekKind() == .number, let d = try s.readNumber().int64 else { throw problem }
            dims.append(Int(d))
        } while s.consume(UInt8(ascii: ","))
        try s.expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
        return dims
    }

    /// An input's `parameters`: its `binary_data_size`, if any.
    private mutating func size(_ name: String) throws -> Int? {
        try beginObject(InferWireError("input \"\(name)\": parameters must be an object"))
        var size: Int? = nil
        var first = true
        while let k = try nextKey(&first) {
            guard k == "binary_data_size" else { try s.skipValue(); continue }
            guard try s.peekKind() == .number, let n = try s.readNumber().int64, n >= 0 else {
                throw InferWireError("input \"\(name)\": binary_data_size must be a non-negative integer")
            }
            size = Int(n)
        }
        return size
    }

    /// Numbers (null: a missing value, NaN; booleans as 0 and 1) in nested lists, flattened.
    private mutating func data(into out: inout [Double], name: String, depth: Int) throws {
        switch try s.peekKind() {
        case .array:
            guard depth < RESTReader.maxDataDepth else { throw InferWireError("input \"\(name)\": data nested too deep") }
            _ = s.consume(UInt8(ascii: "["))
            if s.consume(UInt8(ascii: "]")) { return }
            repeat { try data(into: &out, name: name, depth: depth + 1) } while s.consume(UInt8(ascii: ","))
            try s.expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
        case .number:
            out.append(try s.readShortDecimal() ?? s.readNumber().double)
        case .null:
            try s.readNull()
            out.append(.nan)
        case .bool:
            out.append(try s.readBool() ? 1 : 0)
        default:
            throw InferWireError("input \"\(name)\" value must be a number or null")
        }
    }
}
