import JSON
import XCTest

/// Documents RFC 8259 forbids are refused wherever the offending bytes stand, in a string that is
/// read or in one that is skipped: invalid escapes, unpaired surrogates, invalid UTF-8.
final class JSONStrictnessTests: XCTestCase {
    private func skipAll(_ text: [UInt8]) throws {
        try text.withUnsafeBytes { raw in
            var s = JSONScanner(raw)
            try s.skipValue()
            try s.expectEnd()
        }
    }

    private func refused(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try skipAll(Array(text.utf8)), text, file: file, line: line) { error in
            XCTAssertEqual((error as? JSONError)?.message, message, text, file: file, line: line)
        }
    }

    func testEveryEscapeJSONAllowsIsAccepted() throws {
        try skipAll(Array(#"{"k": "\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \uD83D\uDE00 \uFFFF"}"#.utf8))
        let v = try JSONValue.parse(Array(#"["\uD83D\uDE00\u00e9\n"]"#.utf8))
        XCTAssertEqual(v, .array([.string("😀é\n")]))
    }

    func testInvalidEscapesAreRefusedEvenInSkippedStrings() {
        refused(#"{"unknown": "\x41"}"#, "Invalid \\escape")
        refused(#"{"unknown": "\a"}"#, "Invalid \\escape")
        refused(#"{"unknown": "\u12G4"}"#, "Invalid \\uXXXX escape")
        refused(#"{"unknown": "\u12"}"#, "Invalid \\uXXXX escape")
        refused(#"{"k\q": 1}"#, "Invalid \\escape")
    }

    func testUnpairedSurrogatesAreRefused() {
        refused(#"["\uD800"]"#, "Unpaired surrogate in \\u escape")
        refused(#"["\uD800x"]"#, "Unpaired surrogate in \\u escape")
        refused(#"["\uD800\u0041"]"#, "Unpaired surrogate in \\u escape")
        refused(#"["\uDC00"]"#, "Unpaired surrogate in \\u escape")
        refused(#"["\uDE00\uD83D"]"#, "Unpaired surrogate in \\u escape")
    }

    func testUTF8ValidationAcceptsExactlyRFC3629() {
        func invalidAt(_ bytes: [UInt8]) -> Int? {
            bytes.withUnsafeBytes { raw in
                var i = 0
                while i < raw.count {
                    guard let length = UTF8Validation.sequenceLength(raw, at: i) else { return i }
                    i += length
                }
                return nil
            }
        }
        XCTAssertNil(invalidAt([]))
        XCTAssertNil(invalidAt(Array("plain ascii, longer than eight bytes".utf8)))
        XCTAssertNil(invalidAt(Array("é € 😀 \u{10FFFF} \u{D7FF} \u{E000}".utf8)))
        let bad: [([UInt8], Int)] = [
            ([0x61, 0x80], 1),                    // a lone continuation byte
            ([0xC0, 0xAF], 0), ([0xC1, 0xBF], 0), // overlong two-byte forms
            ([0xE0, 0x80, 0xAF], 0),              // overlong three-byte form
            ([0xED, 0xA0, 0x80], 0),              // U+D800, a surrogate, encoded
            ([0xF4, 0x90, 0x80, 0x80], 0),        // above U+10FFFF
            ([0xF5, 0x80, 0x80, 0x80], 0), ([0xFF], 0),
            (Array("12345678".utf8) + [0xE2, 0x82], 8),  // truncated at the end
            ([0xE2, 0x28, 0xA1], 0),              // a bad second byte
            ([0xF0, 0x9F, 0x98, 0x41], 0),        // a bad fourth byte
        ]
        for (bytes, offset) in bad { XCTAssertEqual(invalidAt(bytes), offset, "\(bytes)") }
    }

    func testInvalidUTF8IsRefusedInEveryStringAndValidTextIsKept() throws {
        let prefix = Array(#"{"k": "abcdefghij"#.utf8)
        for (bad, at) in [([UInt8]([0xC3, 0x28]), 0), ([0xED, 0xA0, 0x80], 0), ([0xE2, 0x82], 0), ([0x80], 0)] {
            let text = prefix + bad + Array(#"", "x": 1}"#.utf8)
            XCTAssertThrowsError(try skipAll(text), "\(bad)") { error in
                XCTAssertEqual(error as? JSONError, JSONError("Invalid UTF-8", at: prefix.count + at))
            }
        }
        // In a key, and past the first eight bytes of a string (the SWAR path).
        XCTAssertThrowsError(try skipAll(Array(#"{""#.utf8) + [0xFF] + Array(#"": 1}"#.utf8)))
        XCTAssertThrowsError(try skipAll(Array(#"["0123456789abcdef"#.utf8) + [0xC0, 0xAF] + Array(#""]"#.utf8)))
        // Outside strings a non-ASCII byte is not JSON at all.
        XCTAssertThrowsError(try skipAll([0x5B, 0xC3, 0xA9, 0x5D]))
        let v = try JSONValue.parse(Array(#"{"café € 😀 long enough to take the SWAR path": "é"}"#.utf8))
        XCTAssertEqual(v["café € 😀 long enough to take the SWAR path"], .string("é"))
    }

    func testDOMParsingRefusesInvalidUTF8() {
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xC3, 0x28, 0x22])) { error in
            XCTAssertEqual(error as? JSONError, JSONError("Invalid UTF-8", at: 1))
        }
    }
}
