/// Reads protobuf's wire format from bytes it does not own: tags, varints, fixed-width numbers and
/// length-delimited fields, each checked against the end of the buffer. Enough to decode the
/// messages of the request path without a generated message's allocations; anything malformed is
/// an error naming what and where, never a read past the end.
public struct ProtoReader {
    public enum WireType: UInt8 { case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5 }

    private let bytes: UnsafeRawBufferPointer
    public private(set) var offset: Int
    private let end: Int

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        offset = 0
        end = bytes.count
    }

    public var isAtEnd: Bool { offset >= end }

    /// The next field's number and wire type; nil at the end.
    public mutating func nextField() throws(InferWireError) -> (number: UInt64, type: WireType)? {
        guard offset < end else { return nil }
        let key = try varint()
        guard let type = WireType(rawValue: UInt8(key & 7)) else {
            throw InferWireError("protobuf: unsupported wire type \(key & 7) at byte \(offset)")
        }
        let number = key >> 3
        guard number > 0 else { throw InferWireError("protobuf: field number 0 at byte \(offset)") }
        return (number, type)
    }

    public mutating func varint() throws(InferWireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw InferWireError("protobuf: truncated varint at byte \(offset)") }
            let b = bytes[offset]
            offset += 1
            guard shift < 64 else { throw InferWireError("protobuf: varint longer than 10 bytes at byte \(offset)") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    public mutating func fixed64() throws(InferWireError) -> UInt64 {
        guard end - offset >= 8 else { throw InferWireError("protobuf: truncated fixed64 at byte \(offset)") }
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    public mutating func fixed32() throws(InferWireError) -> UInt32 {
        guard end - offset >= 4 else { throw InferWireError("protobuf: truncated fixed32 at byte \(offset)") }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A length-delimited field's bytes (a string, bytes, a sub-message or a packed list).
    public mutating func lengthDelimited() throws(InferWireError) -> UnsafeRawBufferPointer {
        let n = try varint()
        guard n <= UInt64(end - offset) else {
            throw InferWireError("protobuf: a field of \(n) bytes runs past the end of the message at byte \(offset)")
        }
        defer { offset += Int(n) }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(n))])
    }

    public mutating func string() throws(InferWireError) -> String {
        let raw = try lengthDelimited()
        return String(decoding: raw, as: UTF8.self)
    }

    /// Skips a field the decoder does not use.
    public mutating func skip(_ type: WireType) throws(InferWireError) {
        switch type {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        }
    }

    /// The values of a repeated scalar field, packed (one length-delimited field) or not (one
    /// value per field), appended as Doubles by `read`, which reads one element.
    public mutating func appendRepeated(_ type: WireType, element: WireType, into out: inout [Double],
                                        _ read: (inout ProtoReader) throws(InferWireError) -> Double) throws(InferWireError) {
        if type == .lengthDelimited && element != .lengthDelimited {
            var packed = ProtoReader(try lengthDelimited())
            if let w = element.fixedWidth { out.reserveCapacity(out.count + packed.end / w) }
            while !packed.isAtEnd { out.append(try read(&packed)) }
        } else {
            guard type == element else { throw InferWireError("protobuf: wire type \(type.rawValue) for a repeated field of \(element)") }
            out.append(try read(&self))
        }
    }
}

extension ProtoReader.WireType {
    var fixedWidth: Int? {
        switch self {
        case .fixed64: 8
        case .fixed32: 4
        default: nil
        }
    }
}
