/// Just enough XML for S3's answers (ListObjectsV2 results and error documents): the text of
/// flat elements by tag name, with the five predefined entities and numeric references decoded.
enum S3XML {
    /// The raw inner bytes of every `<tag>…</tag>` (or `<tag attr…>…</tag>`) in `xml`, in order.
    static func elements(_ tag: String, in xml: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        let open = Array("<\(tag)".utf8)
        let close = Array("</\(tag)>".utf8)
        var out: [ArraySlice<UInt8>] = []
        var i = xml.startIndex
        while let start = find(open, in: xml, from: i) {
            let after = start + open.count
            guard after < xml.endIndex else { break }
            let next = xml[after]
            // `<Key>` but not `<KeyCount>`.
            guard next == UInt8(ascii: ">") || next == UInt8(ascii: " ") || next == UInt8(ascii: "/") else {
                i = after
                continue
            }
            guard let gt = xml[after...].firstIndex(of: UInt8(ascii: ">")) else { break }
            if xml[gt - 1] == UInt8(ascii: "/") {  // <tag/>
                out.append(xml[gt..<gt])
                i = gt + 1
                continue
            }
            guard let end = find(close, in: xml, from: gt + 1) else { break }
            out.append(xml[(gt + 1)..<end])
            i = end + close.count
        }
        return out
    }

    /// The decoded text of the first `<tag>` in `xml`.
    static func text(_ tag: String, in xml: ArraySlice<UInt8>) -> String? {
        elements(tag, in: xml).first.map(decode)
    }

    static func decode(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out = ""
        var text = Substring(String(decoding: raw, as: UTF8.self))
        while let amp = text.firstIndex(of: "&") {
            out += text[..<amp]
            guard let semi = text[amp...].firstIndex(of: ";") else { break }
            let name = text[text.index(after: amp)..<semi]
            switch name {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: Unicode.Scalar? = nil
                if name.hasPrefix("#x"), let v = UInt32(name.dropFirst(2), radix: 16) { scalar = Unicode.Scalar(v) }
                else if name.hasPrefix("#"), let v = UInt32(name.dropFirst()) { scalar = Unicode.Scalar(v) }
                if let scalar { out.unicodeScalars.append(scalar) } else { out += text[amp...semi] }
            }
            text = text[text.index(after: semi)...]
        }
        return out + text
    }

    private static func find(_ needle: [UInt8], in hay: ArraySlice<UInt8>, from: Int) -> Int? {
        guard needle.count <= hay.endIndex - from else { return nil }
        var i = from
        let last = hay.endIndex - needle.count
        while i <= last {
            if hay[i] == needle[0] {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
