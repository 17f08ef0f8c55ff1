/// Writes protobuf's wire format into a growing byte buffer: the request path's responses.
public struct ProtoWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// The bytes `varint(value)` writes.
    public static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }

    public mutating func tag(_ field: UInt64, _ type: ProtoReader.WireType) {
        varint(field << 3 | UInt64(type.rawValue))
    }

    public mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func string(_ field: UInt64, _ s: String) {
        tag(field, .lengthDelimited)
        varint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    /// A length-delimited field whose contents `body` writes (a sub-message or a packed list).
    public mutating func message(_ field: UInt64, _ body: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter(capacity: 64)
        body(&inner)
        tag(field, .lengthDelimited)
        varint(UInt64(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }
}
