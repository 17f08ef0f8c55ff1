import Foundation
@testable import JSON
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

/// The Eisel-Lemire conversion that replaced strtod for literals of 16 to 19 digits (every average
/// amount a handbook pipeline sends has 17): it must agree with glibc's correctly rounded strtod
/// bit for bit, and decide nearly every case itself.
final class EiselLemireTests: XCTestCase {
    private func strtodValue(_ s: String) -> Double { s.withCString { strtod($0, nil) } }

    func testTableEntriesAreTheAlgorithmsPowersOfFive() {
        // The published 128-bit values (fast_float's table) at both ends and around the exact range.
        let expected: [Int: (UInt64, UInt64)] = [
            -342: (0xeef4_53d6_923b_d65a, 0x113f_aa29_06a1_3b3f),
            -327: (0xd43b_f0ef_fdc0_ba48, 0x0212_bd1b_2566_def2),
            -27: (0x9e74_d1b7_91e0_7e48, 0x775e_a264_cf55_347e),
            -1: (0xcccc_cccc_cccc_cccc, 0xcccc_cccc_cccc_cccd),
            0: (0x8000_0000_0000_0000, 0),
            27: (0xcecb_8f27_f420_0f3a, 0),
            55: (0xd0cf_4b50_cfe2_0765, 0xfff4_b4e3_f741_cf6d),
            308: (0x8e67_9c2f_5e44_ff8f, 0x570f_09ea_a7ea_7648),
        ]
        for (q, (hi, lo)) in expected {
            let i = 2 * (q - PowersOfFive.smallest)
            XCTAssertEqual(PowersOfFive.table[i], hi, "5^\(q) high")
            XCTAssertEqual(PowersOfFive.table[i + 1], lo, "5^\(q) low")
        }
        XCTAssertEqual(PowersOfFive.table.count, 2 * 651)
    }

    func testAgreesWithStrtodOnShortestRoundTripsAndTheirNeighbours() {
        var rng = SystemRandomNumberGenerator()
        var decided = 0, total = 0
        for _ in 0..<60_000 {
            // Random doubles across the whole range, subnormals included, printed as Python prints
            // them (17 significant digits at most), then with the last digit moved by one.
            let d = Double(bitPattern: UInt64.random(in: 1...0x7FEF_FFFF_FFFF_FFFF, using: &rng))
            for digits in [15, 16, 17, 19] {
                let text = String(format: "%.\(digits - 1)e", d)
                let parts = text.split(separator: "e")
                let mantissaText = parts[0].replacingOccurrences(of: ".", with: "")
                guard let base = UInt64(mantissaText), let e = Int(parts[1]) else { continue }
                for delta: Int64 in [0, 1, -1] {
                    let w = base &+ UInt64(bitPattern: delta)
                    let q = e - (digits - 1)
                    let literal = "\(w)e\(q)"
                    let want = strtodValue(literal)
                    total += 1
                    if let got = JSONNumber.eiselLemire(w, q) {
                        decided += 1
                        XCTAssertEqual(got.bitPattern, want.bitPattern, literal)
                    }
                    let parsed = Array(literal.utf8).withUnsafeBytes { JSONNumber.parse($0) }
                    XCTAssertEqual(parsed?.double.bitPattern, want.bitPattern, literal)
                }
            }
        }
        // The fallback is for the rare undecided case, not the norm.
        XCTAssertGreaterThan(Double(decided), 0.99 * Double(total), "\(decided) of \(total) decided")
    }

    func testTiesRoundToEven() {
        // Integers halfway between two doubles: 2^53 + 1 rounds down to 2^53, 2^53 + 3 up to 2^53 + 4.
        var rng = SystemRandomNumberGenerator()
        var literals = ["9007199254740993", "9007199254740995", "18014398509481989", "4611686018427387905"]
        for _ in 0..<20_000 {
            let shift = UInt64.random(in: 0...10, using: &rng)
            let w = ((UInt64.random(in: 1 << 52..<1 << 53, using: &rng) << 1) | 1) << shift  // a tie when shift is small
            literals.append(String(w))
        }
        for literal in literals {
            let want = strtodValue(literal)
            let parsed = Array(literal.utf8).withUnsafeBytes { JSONNumber.parse($0) }
            XCTAssertEqual(parsed?.double.bitPattern, want.bitPattern, literal)
        }
    }

    func testExtremesOverflowAndUnderflowAsStrtodDoes() {
        for literal in ["1e308", "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "2.2250738585072011e-308",
                        "2.2250738585072012e-308", "4.9406564584124654e-324", "2.4703282292062328e-324",
                        "2.4703282292062327e-324", "1e-324", "1e-400", "123456789012345678e-360", "9999999999999999999e290"] {
            let want = strtodValue(literal)
            let parsed = Array(literal.utf8).withUnsafeBytes { JSONNumber.parse($0) }
            XCTAssertEqual(parsed?.double.bitPattern, want.bitPattern, literal)
        }
    }
}

/// The short-decimal fast path of the request decoder gives exactly what the general parser gives,
/// and leaves everything else to it.
final class ShortDecimalTests: XCTestCase {
    private func short(_ s: String) -> (Double?, Int) {
        Array(s.utf8).withUnsafeBytes { b in
            var scanner = JSONScanner(b)
            let v = scanner.readShortDecimal()
            return (v, scanner.position)
        }
    }

    func testAgreesWithTheGeneralParserAndDeclinesWhatItCannotDo() {
        var rng = SystemRandomNumberGenerator()
        var literals = ["0", "-0", "55.48", "0.0", "47.675", "999999999999999", "99999999999999.9", "0.00000000000001", "7",
                        "58.474242424242426", "9999999999999999", "0.000000000000001", "9999999999999999999",
                        "0.000000000000000001", "1.000000000000000001", "9007199254740993", "0.30000000000000004"]
        for _ in 0..<40_000 {
            let digits = Int.random(in: 1...19, using: &rng)
            var s = String(UInt64.random(in: 1...UInt64.max, using: &rng)).prefix(digits)
            if s.count > 1 && s.first == "0" { s = "1" + s.dropFirst() }
            let point = Int.random(in: 0...s.count, using: &rng)
            var literal = String(s)
            if point > 0 && point < s.count { literal.insert(".", at: literal.index(literal.startIndex, offsetBy: point)) }
            if Bool.random(using: &rng) { literal = "-" + literal }
            literals.append(literal)
        }
        for literal in literals {
            let (v, end) = short(literal)
            let general = Array(literal.utf8).withUnsafeBytes { JSONNumber.parse($0) }
            XCTAssertEqual(v?.bitPattern, general?.double.bitPattern, literal)
            XCTAssertEqual(end, literal.utf8.count, literal)
        }
        // Past 19 digits, exponents, malformed: nothing consumed, the general path decides.
        for literal in ["12345678901234567890", "0.1234567890123456789", "1e5", "1.5E-3", "01", "1.", "-", ".5", "1.2.3", "12a"] {
            let (v, end) = short(literal)
            if literal == "12a" {
                XCTAssertEqual(v, 12, literal)   // what follows a number is the caller's to judge
                XCTAssertEqual(end, 2)
            } else {
                XCTAssertNil(v, literal)
                XCTAssertEqual(end, 0, literal)
            }
        }
    }
}
