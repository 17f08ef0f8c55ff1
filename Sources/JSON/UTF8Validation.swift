/// RFC 8259 requires JSON text to be UTF-8. ASCII, the common case, is confirmed eight bytes at a
/// time; only a body with a byte above 0x7F is decoded sequence by sequence (RFC 3629: no overlong
/// forms, no surrogates, nothing above U+10FFFF).
public enum UTF8Validation {
    /// The offset of the first byte that does not start or continue a valid sequence, or nil.
    public static func firstInvalid(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        var high: UInt64 = 0
        var i = 0
        while i + 8 <= n {
            high |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n { high |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)); i += 1 }
        if high & 0x8080_8080_8080_8080 == 0 { return nil }
        return firstInvalidSequence(bytes)
    }

    private static func firstInvalidSequence(_ b: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            // The sequence's length and the allowed range of its second byte (RFC 3629, table 3-7).
            let length: Int, low: UInt8, high: UInt8
            switch c {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return i
            }
            guard i + length <= b.count, (low...high).contains(b[i + 1]) else { return i }
            for k in 2..<length where !(0x80...0xBF).contains(b[i + k]) { return i }
            i += length
        }
        return nil
    }
}
