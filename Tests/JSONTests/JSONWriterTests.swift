import Foundation
import JSON
import TestSupport
import XCTest

/// Response numbers are written as Python writes them, so clients compare equal to the libraries.
final class JSONWriterTests: XCTestCase {
    private func written(_ body: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        body(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func testDoublesUsePythonsShortestRepr() {
        let cases: [(Double, String)] = [
            (0.0004246292810421437, "0.0004246292810421437"), (1e-05, "1e-05"), (0.0001, "0.0001"),
            (0.1, "0.1"), (1.0, "1.0"), (0.5, "0.5"), (1e16, "1e+16"), (1234567890123456.0, "1234567890123456.0"),
            (1.2345678901234568e+17, "1.2345678901234568e+17"), (-2.5, "-2.5"), (0.0, "0.0"),
            (Double(Float(0.9998293)), "0.9998292922973633"),
        ]
        for (value, python) in cases {
            XCTAssertEqual(written { $0.double(value) }, python)
        }
        XCTAssertEqual(written { $0.double(.nan) }, "null")
    }

    /// Every probability in the golden file, as Python's json wrote it, is reproduced byte for byte.
    func testReproducesPythonTextOfEveryGoldenProbability() throws {
        let path = try RepoFiles.fixture("golden/golden_test_2000.jsonl")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n") {
            for key in ["\"xgb_prob\": ", "\"xgb_margin\": ", "\"lgbm_prob\": ", "\"onnx_rf_prob\": "] {
                guard let r = line.range(of: key) else { continue }
                let literal = line[r.upperBound...].prefix { $0 != "," && $0 != "}" }
                let value = try XCTUnwrap(Double(String(literal)))
                XCTAssertEqual(written { $0.double(value) }, String(literal))
                checked += 1
            }
        }
        XCTAssertEqual(checked, 8000)
    }

    func testStringsAreEscaped() {
        XCTAssertEqual(written { $0.string("a\"b\\c\nd\u{1}é") }, #""a\"b\\c\nd\u0001é""#)
    }

    func testIntegers() {
        XCTAssertEqual(written { $0.int(0) }, "0")
        XCTAssertEqual(written { $0.int(Int64.min) }, "-9223372036854775808")
        XCTAssertEqual(written { $0.int(1261346) }, "1261346")
    }
}
