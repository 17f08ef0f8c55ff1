@testable import HTTPServer
import XCTest

/// The byte-level rules the HTTP/1.1 parser applies with bit masks and word compares agree with
/// their plain definitions, on every byte.
final class HTTPByteRulesTests: XCTestCase {
    func testTokenMaskAgreesWithTheTcharGrammarOnEveryByte() {
        let tchars = Set("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        for c in 0...255 {
            let byte = [UInt8(c)]
            let masked = byte.withUnsafeBytes { HTTP1Parser.allTokenChars($0, 0..<1) }
            XCTAssertEqual(masked, tchars.contains(UInt8(c)), "byte \(c)")
            XCTAssertEqual(HTTP1Parser.isTokenChar(UInt8(c)), tchars.contains(UInt8(c)), "byte \(c)")
        }
    }

    /// Names checked eight bytes at a time: every byte at every position of a 16-byte name gives
    /// what the byte-by-byte grammar gives.
    func testWordAtATimeTokenCheckAgreesWithTheGrammar() {
        let base = Array("Content-Length-x".utf8)
        for c in 0...255 {
            for position in 0..<base.count {
                var name = base
                name[position] = UInt8(c)
                let fast = name.withUnsafeBytes { HTTP1Parser.allTokenChars($0, 0..<name.count) }
                XCTAssertEqual(fast, name.allSatisfy(HTTP1Parser.isTokenChar), "byte \(c) at \(position)")
            }
        }
    }

    /// The one-pass colon finder gives the colon of a letters-and-dashes name, and nothing it should
    /// not: every byte at every position of a line, against a plain scan.
    func testPlainNameColonAgreesWithAPlainScan() {
        for line in ["Content-Length: 3", "Host: a", "X: y", "user-agent: h2load", "content-type:x", "A-very-long-field-name-here: v"] {
            let base = Array(line.utf8)
            for c in 0...255 {
                for position in 0..<base.count {
                    var bytes = base
                    bytes[position] = UInt8(c)
                    let fast = bytes.withUnsafeBytes { HTTP1Parser.plainNameColon($0) }
                    let colon = bytes.firstIndex(of: UInt8(ascii: ":"))
                    let plain = colon.flatMap { i in
                        i > 0 && bytes[0..<i].allSatisfy { ($0 | 0x20) &- 0x61 < 26 || $0 == 0x2D } ? i : nil
                    }
                    XCTAssertEqual(fast, plain, "\(line): byte \(c) at \(position)")
                }
            }
        }
    }

    /// The word-at-a-time compare against a lowercase name agrees with a byte-by-byte fold of ASCII
    /// case for every byte a checked name or value can hold (no control bytes), at every position.
    func testWordAtATimeCompareAgreesWithByteByByteFolding() {
        let expected = Array("content-length".utf8)
        for c in 0x20...0xFF where c != 0x7F {
            for position in 0..<expected.count {
                var name = expected
                name[position] = UInt8(c)
                let fast = name.withUnsafeBytes { HTTPHeaders.equalsIgnoringCase($0, "content-length") }
                let plain = zip(name, expected).allSatisfy { HTTPHeaders.lower($0) == $1 }
                XCTAssertEqual(fast, plain, "byte \(c) at \(position)")
            }
        }
    }

    func testHeaderNamesCompareIgnoringASCIICaseOnly() {
        func eq(_ a: String, _ b: StaticString) -> Bool {
            Array(a.utf8).withUnsafeBytes { HTTPHeaders.equalsIgnoringCase($0, b) }
        }
        XCTAssertTrue(eq("Content-Length", "content-length"))
        XCTAssertTrue(eq("CONTENT-LENGTH", "content-length"))
        XCTAssertFalse(eq("Content-Lengt", "content-length"))
        XCTAssertFalse(eq("Content_Length", "content-length"))
        XCTAssertFalse(eq("Ho\u{0}t", "host"))
    }

    func testHeadersStoredAsBytesReadBackInOrder() {
        var h = HTTPHeaders()
        h.add(name: "Host", value: "a")
        h.add(name: "X-Request-Id", value: "abc-123")
        h.add(name: "host", value: "b")
        XCTAssertEqual(h["HOST"], "a")
        XCTAssertEqual(h["x-request-id"], "abc-123")
        XCTAssertNil(h["x-request"])
        XCTAssertEqual(h.map { "\($0.name)=\($0.value)" }, ["Host=a", "X-Request-Id=abc-123", "host=b"])
        h.removeAll()
        XCTAssertEqual(h.count, 0)
        XCTAssertNil(h["host"])
    }
}
