import InferenceWire
import XCTest

final class GRPCMessageTests: XCTestCase {
    private func unary(_ body: [UInt8], max: Int = 100) -> Result<[UInt8], GRPCFailure> {
        body.withUnsafeBytes { b in Result { () throws(GRPCFailure) in Array(try GRPCMessage.unary(b, maxBytes: max)) } }
    }

    private func code(_ r: Result<[UInt8], GRPCFailure>) -> GRPCStatusCode? {
        if case .failure(let f) = r { return f.code }
        return nil
    }

    func testFramesRoundTripAndMalformedOnesAreNamed() {
        XCTAssertEqual(try unary(GRPCMessage.frame([1, 2, 3])).get(), [1, 2, 3])
        XCTAssertEqual(try unary(GRPCMessage.frame([])).get(), [])
        XCTAssertEqual(unary([]), .failure(GRPCFailure(.internalError, "the request has no message")))
        XCTAssertEqual(unary([0, 0, 0]), .failure(GRPCFailure(.internalError, "truncated gRPC frame: 3 bytes, the prefix alone is 5")))
        XCTAssertEqual(unary([0, 0, 0, 0, 9, 1]),
                       .failure(GRPCFailure(.internalError, "truncated gRPC frame: the prefix says 9 bytes, 1 arrived")))
        XCTAssertEqual(unary([2, 0, 0, 0, 0]), .failure(GRPCFailure(.internalError, "gRPC frame flag 2 is neither 0 nor 1")))
        XCTAssertEqual(code(unary([1, 0, 0, 0, 0])), .unimplemented)
        XCTAssertEqual(unary(GRPCMessage.frame([UInt8](repeating: 0, count: 101))),
                       .failure(GRPCFailure(.resourceExhausted, "message of 101 bytes is larger than the server's limit of 100")))
        // The length is checked against the limit before the body: a huge prefix reads nothing.
        XCTAssertEqual(code(unary([0, 0xFF, 0xFF, 0xFF, 0xFF])), .resourceExhausted)
        XCTAssertEqual(code(unary(GRPCMessage.frame([7]) + GRPCMessage.frame([8]))), .unimplemented)
    }

    func testTimeouts() {
        func t(_ s: String) -> UInt64? { Array(s.utf8).withUnsafeBytes { GRPCMessage.timeoutMicroseconds($0) } }
        XCTAssertEqual(t("100m"), 100_000)
        XCTAssertEqual(t("2S"), 2_000_000)
        XCTAssertEqual(t("1H"), 3_600_000_000)
        XCTAssertEqual(t("3M"), 180_000_000)
        XCTAssertEqual(t("5u"), 5)
        XCTAssertEqual(t("1n"), 1)  // rounded up: never a zero deadline from a positive one
        XCTAssertEqual(t("99999999S"), 99_999_999_000_000)
        for bad in ["", "m", "100", "123456789S", "1s", "-1S", " 1S", "1.5S"] { XCTAssertNil(t(bad), bad) }
    }

    func testMessagesArePercentEncoded() {
        XCTAssertEqual(GRPCMessage.percentEncoded("input \"x\": 100% wrong"), "input \"x\": 100%25 wrong")
        XCTAssertEqual(GRPCMessage.percentEncoded("é\n"), "%C3%A9%0A")
    }
}
