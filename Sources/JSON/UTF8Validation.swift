/// RFC 8259 requires JSON text to be UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
/// above U+10FFFF). `JSONScanner` checks every non-ASCII byte of a string as it meets it; outside
/// strings any such byte is a syntax error.
public enum UTF8Validation {
    /// The length of the valid UTF-8 sequence starting at `i`, or nil when the bytes there are not one.
    public static func sequenceLength(_ b: UnsafeRawBufferPointer, at i: Int) -> Int? {
        let c = b[i]
        if c < 0x80 { return 1 }
        // The sequence's length and the allowed range of its second byte (RFC 3629, section 4).
        let length: Int, low: UInt8, high: UInt8
        switch c {
        case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
        case 0xED: (length, low, high) = (3, 0x80, 0x9F)
        case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
        default: return nil
        }
        guard i + length <= b.count, (low...high).contains(b[i + 1]) else { return nil }
        for k in 2..<length where !(0x80...0xBF).contains(b[i + k]) { return nil }
        return length
    }
}
