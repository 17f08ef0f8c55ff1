import JSON
import XCTest

final class JSONScannerTests: XCTestCase {
    private func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(Array(s.utf8)) }

    func testParsesDocuments() throws {
        let v = try parse(#" {"a": [1, 2.5, "x\u00e9\ud83d\ude00", true, false, null], "b": {"c": -3}, "a2": {}} "#)
        XCTAssertEqual(v["a"]?.arrayValue?.count, 6)
        XCTAssertEqual(v["a"]?.arrayValue?[1].doubleValue, 2.5)
        XCTAssertEqual(v["a"]?.arrayValue?[2].stringValue, "xé😀")
        XCTAssertEqual(v["b"]?["c"]?.intValue, -3)
        XCTAssertEqual(v["a2"], .object([]))
    }

    /// An unused member's number is skipped without being converted, yet refused exactly where
    /// reading it is refused, and skipped to where reading it ends.
    func testSkippingANumberAcceptsWhatReadingAccepts() {
        for text in ["0", "-0", "12", "-12.5", "1e5", "1E+5", "2.5e-3", "123456789012345678901234567890", "1e99999",
                     "01", "-", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "--1", "0x10", "1ee5", "-a", "5 ", "7,", "1.5]"] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBytes { raw in
                var reader = JSONScanner(raw), skipper = JSONScanner(raw)
                let read = (try? reader.readNumber()) != nil
                let skipped = (try? skipper.skipValue()) != nil
                XCTAssertEqual(read, skipped, text)
                if read { XCTAssertEqual(reader.position, skipper.position, text) }
            }
        }
    }

    /// The integer fast path reads what readNumber reads as an Int64 and leaves the rest to it.
    func testShortIntegersAgreeWithReadNumber() {
        for text in ["0", "-0", "7", "1261346", "-42", "999999999999999999", "9223372036854775807", "12.0", "1e3",
                     "01", "-", "12a", "3,", "5]", "-9223372036854775808"] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBytes { raw in
                var fast = JSONScanner(raw), full = JSONScanner(raw)
                let number = try? full.readNumber()
                if let v = fast.readShortInteger() {
                    XCTAssertEqual(v, number?.int64, text)
                    XCTAssertEqual(fast.position, full.position, text)
                } else {
                    XCTAssertEqual(fast.position, 0, "\(text): nothing consumed")
                    // Only what readNumber refuses, or what is not an 18-digit integer, is left to it.
                    XCTAssertTrue(number == nil || text.count > 18 || text.contains(where: { ".eE".contains($0) }), text)
                }
            }
        }
    }

    func testRepeatedKeyKeepsTheLastValueAsPythonDoes() throws {
        XCTAssertEqual(try parse(#"{"k": 1, "k": 2}"#)["k"]?.intValue, 2)
    }

    func testErrorsUsePythonsWordingAndOffsets() {
        let cases: [(String, String, Int)] = [
            ("", "Expecting value", 0),
            ("{\"a\": }", "Expecting value", 6),
            ("{\"a\" 1}", "Expecting ':' delimiter", 5),
            ("{\"a\": 1 \"b\": 2}", "Expecting ',' delimiter", 8),
            ("{a: 1}", "Expecting property name enclosed in double quotes", 1),
            ("{\"a\": \"x}", "Unterminated string starting at", 6),
            ("{} x", "Extra data", 3),
            ("[1, 2", "Expecting ',' delimiter", 5),
        ]
        for (text, message, offset) in cases {
            XCTAssertThrowsError(try parse(text), text) { error in
                XCTAssertEqual(error as? JSONError, JSONError(message, at: offset), text)
            }
        }
    }

    func testDeepNestingIsRefused() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertThrowsError(try parse(deep))
    }
}
