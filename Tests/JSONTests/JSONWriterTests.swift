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

/// The scratch buffer behind `JSONWriter.buffered` writes what the writer writes.
final class JSONScratchTests: XCTestCase {
    private func scratch(_ capacity: Int = 200, _ body: (inout JSONScratch) -> Void) -> String {
        var w = JSONWriter()
        w.raw("[")
        w.buffered(capacity: capacity, body)
        w.raw("]")
        return String(decoding: w.bytes, as: UTF8.self)
    }

    func testIntegersOfEveryLength() {
        var values: [Int64] = [0, 9, 10, 99, 100, -1, -10, Int64.max, Int64.min, Int64.min + 1, 1261346]
        var p: Int64 = 1
        for _ in 0..<18 { p *= 10; values += [p - 1, p, p + 1, -p] }
        for v in values {
            XCTAssertEqual(scratch { $0.int(v) }, "[\(v)]")
        }
    }

    func testRawPiecesOfEveryLengthAndDoubles() {
        XCTAssertEqual(scratch { $0.raw("") }, "[]")
        XCTAssertEqual(scratch { $0.raw("a") }, "[a]")
        XCTAssertEqual(scratch { $0.raw("12345678") }, "[12345678]")
        XCTAssertEqual(scratch { $0.raw("123456789") }, "[123456789]")
        XCTAssertEqual(scratch { $0.raw(",\"fraud_probability\":") }, "[,\"fraud_probability\":]")
        XCTAssertEqual(scratch { $0.raw("0123456789abcdef0123456789abcdef!") }, "[0123456789abcdef0123456789abcdef!]")
        for v in [0.0004246292810421437, 1e-05, 1.0, -2.5, 1.2345678901234568e+17, -1.7976931348623157e308, 5e-324] {
            var w = JSONWriter()
            w.double(v)
            XCTAssertEqual(scratch { $0.double(v) }, "[" + String(decoding: w.bytes, as: UTF8.self) + "]")
        }
        XCTAssertEqual(scratch { $0.double(.infinity); $0.bool(true); $0.bool(false) }, "[nulltruefalse]")
    }

    /// Exactly full is fine: the longest prediction members fit the capacity writePrediction gives.
    func testAFragmentMayFillItsCapacityExactly() {
        let longest = scratch(100) { s in
            s.raw("{\"transaction_id\":"); s.int(Int64.min); s.raw(",\"fraud_probability\":")
            s.double(-2.2250738585072014e-308); s.raw(",\"is_fraud\":"); s.bool(false)
        }
        XCTAssertEqual(longest.utf8.count, 102)
    }
}
