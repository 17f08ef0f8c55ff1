/// A parsed JSON document, for files read once at load time (model files, metadata).
/// Request bodies do not go through this: they are scanned straight into feature rows.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    /// Members in document order; lookups are linear, which suits the small objects of model files.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses a whole document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    /// Parses a whole document held in `raw` (e.g. the JSON part of a larger body).
    public static func parse(_ raw: UnsafeRawBufferPointer) throws -> JSONValue {
        var scanner = JSONScanner(raw)
        scanner.maxDepth = 512
        let value = try parseValue(&scanner, depth: 0)
        try scanner.expectEnd()
        return value
    }

    private static func parseValue(_ s: inout JSONScanner, depth: Int) throws -> JSONValue {
        switch try s.peekKind() {
        case .null: try s.readNull(); return .null
        case .bool: return .bool(try s.readBool())
        case .number: return .number(try s.readNumber())
        case .string: return .string(try s.string(try s.readString()))
        case .array:
            guard depth < s.maxDepth else { throw JSONError("Nesting too deep", at: s.position) }
            _ = s.consume(UInt8(ascii: "["))
            var items: [JSONValue] = []
            if s.consume(UInt8(ascii: "]")) { return .array(items) }
            repeat { items.append(try parseValue(&s, depth: depth + 1)) } while s.consume(UInt8(ascii: ","))
            try s.expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
            return .array(items)
        case .object:
            guard depth < s.maxDepth else { throw JSONError("Nesting too deep", at: s.position) }
            _ = s.consume(UInt8(ascii: "{"))
            var members: [(String, JSONValue)] = []
            if s.consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                guard (try? s.peekKind()) == .string else {
                    throw JSONError("Expecting property name enclosed in double quotes", at: s.position)
                }
                let key = try s.string(try s.readString())
                try s.expect(UInt8(ascii: ":"), "Expecting ':' delimiter")
                members.append((key, try parseValue(&s, depth: depth + 1)))
            } while s.consume(UInt8(ascii: ","))
            try s.expect(UInt8(ascii: "}"), "Expecting ',' delimiter")
            return .object(members)
        }
    }

    /// The member named `key` of an object (the last one if repeated, as Python keeps it).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let n) = self { return n.double }
        return nil
    }

    public var intValue: Int? {
        if case .number(let n) = self, let i = n.int64 { return Int(i) }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// A non-empty array whose every element is a string (a list of column names), else nil.
    public var stringListValue: [String]? {
        guard case .array(let items) = self, !items.isEmpty else { return nil }
        let strings = items.compactMap(\.stringValue)
        return strings.count == items.count ? strings : nil
    }
}
