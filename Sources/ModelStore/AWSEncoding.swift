import Support

/// AWS's URI encoding: unreserved characters as they are, everything else as %XX (upper case).
enum AWSEncoding {
    static func uri(_ s: String, keepSlash: Bool = true) -> String {
        var out: [UInt8] = []
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: "/") where keepSlash:
                out.append(b)
            default:
                out.append(UInt8(ascii: "%"))
                Hex.append(b, into: &out, digits: Hex.upper)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
