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

    @inline(__always)
    public static func append(_ byte: UInt8, into out: inout [UInt8], digits: [UInt8] = Hex.lower) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 15)])
    }
}
