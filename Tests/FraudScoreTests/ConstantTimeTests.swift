@testable import FraudScore
import XCTest

final class ConstantTimeTests: XCTestCase {
    func testEqualityAtTheEdges() {
        let token = Array("0123456789abcdef".utf8)
        XCTAssertTrue(ConstantTime.equal(token, token))
        XCTAssertFalse(ConstantTime.equal(token, Array(token.dropLast())), "a prefix is not the token")
        XCTAssertFalse(ConstantTime.equal(token, token + [0]), "nor is the token plus a NUL")
        XCTAssertFalse(ConstantTime.equal(token, Array("0123456789abcdeF".utf8)), "last byte differs")
        XCTAssertFalse(ConstantTime.equal([], token))
        XCTAssertTrue(ConstantTime.equal([], []))
        // Lengths differing by 256 must not wrap to "equal length".
        XCTAssertFalse(ConstantTime.equal([UInt8](repeating: 0, count: 256), []))
    }
}
