import HTTPServer
import TestSupport
import XCTest

/// Strict framing (RFC 9112, DESIGN.md §3): every ambiguity that could smuggle a request is a 4xx/5xx
/// and the connection closes, so nothing after the bad bytes is ever read as a request.
final class HTTP1FramingTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    /// Sends `raw` and expects exactly one response with `status`, then the connection closed.
    private func assertRejected(_ raw: String, _ status: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let c = try server.client()
        c.send(raw)
        let r = try XCTUnwrap(c.readResponse(), "no response", file: file, line: line)
        XCTAssertEqual(r.status, status, r.bodyText, file: file, line: line)
        XCTAssertEqual(r.header("Connection"), "close", file: file, line: line)
        XCTAssertEqual(r.header("Content-Type"), "application/json", file: file, line: line)
        XCTAssertTrue(r.bodyText.hasPrefix(#"{"detail":""#), r.bodyText, file: file, line: line)
        XCTAssertTrue(c.readsEOF(), "connection should close", file: file, line: line)
    }

    func testContentLengthWithTransferEncodingIs400() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                           + "0\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    func testObsFoldIs400() throws {
        try assertRejected("GET /a HTTP/1.1\r\nHost: x\r\nX-Long: part one\r\n  part two\r\n\r\n", 400)
    }

    func testBareLFIs400() throws {
        try assertRejected("GET /a HTTP/1.1\nHost: x\n\n", 400)
        try assertRejected("GET /a HTTP/1.1\r\nHost: x\n\r\n", 400)
    }

    func testBareCRIs400() throws {
        try assertRejected("GET /a HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400)
    }

    func testTwoDifferentContentLengthsAre400() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)
    }

    func testRepeatedIdenticalContentLengthIsAccepted() throws {
        let c = try server.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
        XCTAssertEqual(c.readResponse()?.bodyText, "abc")
    }

    func testInvalidContentLengthIs400() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400)
    }

    func testTransferEncodingOtherThanChunkedIs501() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501)
    }

    func testTransferEncodingInHTTP10Is400() throws {
        try assertRejected("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testWhitespaceBeforeColonIs400() throws {
        try assertRejected("GET /a HTTP/1.1\r\nHost : x\r\n\r\n", 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc", 400)
    }

    func testMissingOrRepeatedHostIs400() throws {
        try assertRejected("GET /a HTTP/1.1\r\n\r\n", 400)
        try assertRejected("GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400)
    }

    func testControlCharactersAre400() throws {
        try assertRejected("GET /a HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n", 400)
        try assertRejected("GET /a\u{1}b HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        try assertRejected("G(T /a HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    func testMalformedRequestLineIs400AndUnknownVersionIs505() throws {
        try assertRejected("GET  /a HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        try assertRejected("GET /a\r\nHost: x\r\n\r\n", 400)
        try assertRejected("GET /a HTTP/2.0\r\nHost: x\r\n\r\n", 505)
    }

    func testInvalidChunkSizeIs400() throws {
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400)
        try assertRejected("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n", 400)
    }

    func testLeadingEmptyLinesBeforeRequestAreIgnored() throws {
        let c = try server.client()
        c.send("\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(c.readResponse()?.bodyText, "a")
    }
}
