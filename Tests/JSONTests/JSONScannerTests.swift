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
