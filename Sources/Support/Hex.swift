/// Hexadecimal digits: lower case for digests and ids, upper case for percent-encoding.
public enum Hex {
    public static let lower: [UInt8] = Array("0123456789abcdef".utf8)
    public static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Two lower-case digits per byte.
    public static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for b in bytes { append(b, into: &text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// `v` as eight lower-case digits, most significant first, in the bytes of the result as they
    /// lie in memory: each nibble spread to a byte, then all eight made ASCII at once.
    @inline(__always)
    public static func lowerDigits(_ v: UInt32) -> UInt64 {
        var x = UInt64(v)
        x = (x | x << 16) & 0x0000_FFFF_0000_FFFF
        x = (x | x << 8) & 0x00FF_00FF_00FF_00FF
        x = (x | x << 4) & 0x0F0F_0F0F_0F0F_0F0F  // byte k: nibble k from the least significant
        x = x.byteSwapped                           // byte k: nibble k from the most significant
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101  // 1 where >= 10
        return (x &+ 0x3030_3030_3030_3030 &+ letters &* 39).littleEndian   // "0"+n, or "a"+n-10
    }

    @inline(__always)
    public static func append(_ byte: UInt8, into out: inout [UInt8], digits: [UInt8] = Hex.lower) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
}
