import FuzzReplay
import JSON

/// libFuzzer target: the JSON parser, and its number parser against the C library's. A document
/// parses or throws; a number the scanner accepts must convert to the same Double, bit for bit, as
/// `Double(String)` (strtod, correctly rounded); skipping a number (an unused member) accepts exactly
/// what reading it accepts and ends where reading ends.
func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = try? JSONValue.parse(bytes)
    var reader = JSONScanner(bytes), skipper = JSONScanner(bytes)
    if (try? reader.peekKind()) == .number {
        let read = (try? reader.readNumber()) != nil
        let skipped = (try? skipper.skipValue()) != nil
        precondition(read == skipped && (!read || reader.position == skipper.position),
                     "readNumber and skipValue disagree on \(Array(bytes.prefix(64)))")
    }
    var scanner = JSONScanner(bytes)
    if let number = try? scanner.readNumber(), scanner.isAtEnd || bytes[scanner.position] == 0x20 {
        let text = String(decoding: bytes[0..<scanner.position], as: UTF8.self).trimmingSpaces
        if let reference = Double(text) {
            precondition(number.double.bitPattern == reference.bitPattern,
                         "\(text): scanned \(number.double), strtod says \(reference)")
        }
    }
    return 0
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(decoding: utf8.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }, as: UTF8.self)
    }
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzJSON) }
}
