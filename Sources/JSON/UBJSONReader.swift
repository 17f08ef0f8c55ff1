/// Reads Universal Binary JSON (the format of XGBoost's `.ubj` and, from 2.1 on, `model.xgb`) into the
/// same `JSONValue` tree as JSON, so a model loader reads both alike.
///
/// Supports what XGBoost writes: objects, arrays (plain and the optimized `$type#count` form),
/// integers i/U/I/l/L, floats d/D, strings S, chars C, true/false/null, no-op N. Numbers are
/// big-endian. Every length is checked against the input, so truncated or hostile files throw.
public struct UBJSONReader {
    private let bytes: [UInt8]
    private var position = 0
    private let maxDepth = 512

    /// Parses a whole document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var reader = UBJSONReader(bytes: bytes)
        let value = try reader.value(depth: 0)
        guard reader.position == bytes.count else { throw JSONError("UBJSON: extra data after the document", at: reader.position) }
        return value
    }

    /// True if the bytes look like a UBJSON object (`{` followed by a key-length or container marker).
    public static func looksLikeUBJSON(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{") else { return false }
        return [UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"),
                UInt8(ascii: "$"), UInt8(ascii: "#"), UInt8(ascii: "}")].contains(bytes[1])
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw JSONError("UBJSON: unexpected end of data", at: position) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func bigEndian<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let n = MemoryLayout<T>.size
        guard position + n <= bytes.count else { throw JSONError("UBJSON: unexpected end of data", at: position) }
        var v: T = 0
        for k in 0..<n { v = v << 8 | T(truncatingIfNeeded: bytes[position + k]) }
        position += n
        return v
    }

    private mutating func integer(marker: UInt8) throws -> Int64 {
        switch marker {
        case UInt8(ascii: "i"): return Int64(Int8(bitPattern: try byte()))
        case UInt8(ascii: "U"): return Int64(try byte())
        case UInt8(ascii: "I"): return Int64(try bigEndian(Int16.self))
        case UInt8(ascii: "l"): return Int64(try bigEndian(Int32.self))
        case UInt8(ascii: "L"): return try bigEndian(Int64.self)
        default: throw JSONError("UBJSON: expected an integer type, found '\(Character(Unicode.Scalar(marker)))'", at: position - 1)
        }
    }

    /// A length or count: an integer that must be non-negative and fit in the remaining input.
    private mutating func length(marker: UInt8, elementSize: Int = 1) throws -> Int {
        let n = try integer(marker: marker)
        guard n >= 0, n <= Int64(bytes.count - position) / Int64(max(1, elementSize)) else {
            throw JSONError("UBJSON: length \(n) exceeds the data", at: position)
        }
        return Int(n)
    }

    private mutating func string(marker: UInt8) throws -> String {
        let n = try length(marker: marker)
        defer { position += n }
        return String(decoding: bytes[position..<(position + n)], as: UTF8.self)
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        var marker = try byte()
        while marker == UInt8(ascii: "N") { marker = try byte() }
        return try value(marker: marker, depth: depth)
    }

    private mutating func value(marker: UInt8, depth: Int) throws -> JSONValue {
        switch marker {
        case UInt8(ascii: "Z"): return .null
        case UInt8(ascii: "T"): return .bool(true)
        case UInt8(ascii: "F"): return .bool(false)
        case UInt8(ascii: "i"), UInt8(ascii: "U"), UInt8(ascii: "I"), UInt8(ascii: "l"), UInt8(ascii: "L"):
            let v = try integer(marker: marker)
            return .number(JSONNumber(double: Double(v), int64: v))
        case UInt8(ascii: "d"):
            return .number(JSONNumber(double: Double(Float(bitPattern: try bigEndian(UInt32.self))), int64: nil))
        case UInt8(ascii: "D"):
            return .number(JSONNumber(double: Double(bitPattern: try bigEndian(UInt64.self)), int64: nil))
        case UInt8(ascii: "C"):
            return .string(String(decoding: [try byte()], as: UTF8.self))
        case UInt8(ascii: "S"):
            return .string(try string(marker: try byte()))
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < maxDepth else { throw JSONError("UBJSON: nesting too deep", at: position) }
            return try container(object: marker == UInt8(ascii: "{"), depth: depth + 1)
        default:
            throw JSONError("UBJSON: unknown type marker 0x\(String(marker, radix: 16))", at: position - 1)
        }
    }

    private mutating func container(object: Bool, depth: Int) throws -> JSONValue {
        var type: UInt8? = nil
        var count: Int? = nil
        if position < bytes.count && bytes[position] == UInt8(ascii: "$") {
            position += 1
            type = try byte()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "#") else {
                throw JSONError("UBJSON: a typed container needs a count", at: position)
            }
        }
        if position < bytes.count && bytes[position] == UInt8(ascii: "#") {
            position += 1
            count = try length(marker: try byte(), elementSize: UBJSONReader.minimumSize(type))
        }
        var items: [JSONValue] = []
        var members: [(String, JSONValue)] = []
        func element() throws -> JSONValue {
            if let type { return try value(marker: type, depth: depth) }
            return try value(depth: depth)
        }
        if let count {
            if object { members.reserveCapacity(count) } else { items.reserveCapacity(count) }
            for _ in 0..<count {
                if object { members.append((try string(marker: try byte()), try element())) } else { items.append(try element()) }
            }
        } else {
            let end = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            while true {
                guard position < bytes.count else { throw JSONError("UBJSON: unterminated container", at: position) }
                if bytes[position] == end { position += 1; break }
                if bytes[position] == UInt8(ascii: "N") { position += 1; continue }
                if object { members.append((try string(marker: try byte()), try element())) } else { items.append(try element()) }
            }
        }
        return object ? .object(members) : .array(items)
    }

    /// Bytes per element of a typed container, to reject counts larger than the data up front.
    private static func minimumSize(_ type: UInt8?) -> Int {
        switch type {
        case UInt8(ascii: "I")?: return 2
        case UInt8(ascii: "l")?, UInt8(ascii: "d")?: return 4
        case UInt8(ascii: "L")?, UInt8(ascii: "D")?: return 8
        case UInt8(ascii: "Z")?, UInt8(ascii: "T")?, UInt8(ascii: "F")?: return 0
        default: return 1
        }
    }
}
