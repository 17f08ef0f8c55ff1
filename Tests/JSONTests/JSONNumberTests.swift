import JSON
import XCTest

/// Request numbers must become the Double Python's `json` makes: correctly rounded.
final class JSONNumberTests: XCTestCase {
    private func parse(_ s: String) -> JSONNumber? {
        Array(s.utf8).withUnsafeBytes { JSONNumber.parse($0) }
    }

    func testAgreesWithCorrectlyRoundedConversionOnManyDecimals() {
        var rng = SystemRandomNumberGenerator()
        var literals = ["0", "-0", "55.48", "58.474242424242426", "0.1", "0.3", "1e-7", "2.2250738585072014e-308",
                        "4.9e-324", "1.7976931348623157e308", "9007199254740993", "0.000000000000000000001",
                        "123456789012345678901234567890", "1.00000000000000011102230246251565404236316680908203125",
                        "8.472101E-3", "47.675", "55.2775", "1E22", "1e23", "-12.5e+3"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...19, using: &rng)
            var s = String(UInt64.random(in: 0...UInt64.max, using: &rng)).prefix(digits)
            let point = Int.random(in: 0...s.count, using: &rng)
            if point < s.count && point > 0 { s.insert(".", at: s.index(s.startIndex, offsetBy: point)) }
            var literal = String(s)
            if Bool.random(using: &rng) { literal += "e\(Int.random(in: -30...30, using: &rng))" }
            if literal.first == "." { literal = "0" + literal }
            if literal.count > 1 && literal.first == "0" && literal.dropFirst().first != "." { continue }
            literals.append(literal)
        }
        for literal in literals {
            let n = parse(literal)
            XCTAssertNotNil(n, literal)
            XCTAssertEqual(n?.double.bitPattern, Double(literal)!.bitPattern, literal)
        }
    }

    func testIntegersKeepTheirExactInt64() {
        XCTAssertEqual(parse("1261346")?.int64, 1_261_346)
        XCTAssertEqual(parse("-9223372036854775808")?.int64, Int64.min)
        XCTAssertEqual(parse("9223372036854775807")?.int64, Int64.max)
        XCTAssertNil(parse("9223372036854775808")?.int64)
        XCTAssertNil(parse("12.0")?.int64)
        XCTAssertNil(parse("1e3")?.int64)
        XCTAssertEqual(parse("9223372036854775808")?.double, 9.223372036854775808e18)
    }

    func testRejectsWhatJSONDoesNotAllow() {
        for bad in ["", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1.5.2", "NaN", "Infinity", "1 ", "--1"] {
            XCTAssertNil(parse(bad), bad)
        }
    }
}
