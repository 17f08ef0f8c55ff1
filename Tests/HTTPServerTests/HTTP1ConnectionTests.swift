import HTTPServer
import TestSupport
import XCTest

/// Keep-alive, close, HTTP/1.0, pipelining, chunked bodies and 100-continue over real sockets.
final class HTTP1ConnectionTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.stop() }

    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let c = try server.client()
        for i in 0..<5 {
            let r = try XCTUnwrap(c.request("POST", "/echo", body: "hello \(i)"))
            XCTAssertEqual(r.status, 200)
            XCTAssertEqual(r.bodyText, "hello \(i)")
            XCTAssertNil(r.header("Connection"))
            XCTAssertNotNil(r.header("Date"))
        }
    }

    func testConnectionCloseIsHonoured() throws {
        let c = try server.client()
        let r = try XCTUnwrap(c.request("GET", "/a", headers: ["Connection: close"]))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Connection"), "close")
        XCTAssertTrue(c.readsEOF())
    }

    func testHTTP10ClosesByDefaultAndKeepsAliveWhenAsked() throws {
        let c = try server.client()
        c.send("GET /a HTTP/1.0\r\n\r\n")
        let r = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.header("Connection"), "close")
        XCTAssertTrue(c.readsEOF())

        let k = try server.client()
        k.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(k.readResponse()?.header("Connection"), "keep-alive")
        k.send("GET /b HTTP/1.0\r\n\r\n")
        XCTAssertEqual(k.readResponse()?.bodyText, "b")
        XCTAssertTrue(k.readsEOF())
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let c = try server.client()
        c.send("GET /c HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
               + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbodyGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(c.readResponse()?.bodyText, "c")
        XCTAssertEqual(c.readResponse()?.bodyText, "a")
        XCTAssertEqual(c.readResponse()?.bodyText, "body")
        XCTAssertEqual(c.readResponse()?.bodyText, "b")
    }

    func testManyPipelinedRequestsSurviveOutputBackpressure() throws {
        let c = try server.client()
        let big = String(repeating: "x", count: 50_000)
        var request = ""
        for _ in 0..<20 { request += "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(big.count)\r\n\r\n\(big)" }
        let text = request + "GET /c HTTP/1.1\r\nHost: x\r\n\r\n"
        // Sent from another thread: the server stops reading while we do not read its responses.
        let sender = Thread { c.send(text) }
        sender.start()
        for i in 0..<20 {
            let r = c.readResponse()
            XCTAssertEqual(r?.body.count, big.count, "response \(i): \(r?.status ?? -1) \(r?.bodyText.prefix(100) ?? "")")
        }
        XCTAssertEqual(c.readResponse()?.bodyText, "c")
    }

    func testRequestSplitAcrossManyWrites() throws {
        let c = try server.client()
        for byte in "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nsplit".utf8 { c.send([byte]) }
        XCTAssertEqual(c.readResponse()?.bodyText, "split")
    }

    func testChunkedBodyWithExtensionAndTrailer() throws {
        let c = try server.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n")
        let r = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.bodyText, "hello 0123456789")
        // The connection stays usable after a chunked body.
        XCTAssertEqual(c.request("GET", "/a")?.bodyText, "a")
    }

    func testChunkedBodyArrivingInPieces() throws {
        let c = try server.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r")
        c.send("\nabc")
        c.send("\r\n2\r\nde\r\n0\r")
        c.send("\n\r\n")
        XCTAssertEqual(c.readResponse()?.bodyText, "abcde")
    }

    func testExpect100ContinueSendsInterimResponseBeforeBody() throws {
        let c = try server.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(interim.status, 100)
        c.send("data")
        let r = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.bodyText, "data")
    }

    func testUnknownExpectationIs417() throws {
        let c = try server.client()
        let r = try XCTUnwrap(c.request("POST", "/echo", body: "x", headers: ["Expect: something-else"]))
        XCTAssertEqual(r.status, 417)
    }

    func testNotFoundAndMethodNotAllowedAreJSONWithAllow() throws {
        let c = try server.client()
        let nf = try XCTUnwrap(c.request("GET", "/missing"))
        XCTAssertEqual(nf.status, 404)
        XCTAssertEqual(nf.header("Content-Type"), "application/json")
        XCTAssertEqual(nf.bodyText, #"{"detail":"Not Found"}"#)
        let na = try XCTUnwrap(c.request("DELETE", "/echo"))
        XCTAssertEqual(na.status, 405)
        XCTAssertEqual(na.header("Allow"), "POST")
        XCTAssertEqual(na.bodyText, #"{"detail":"Method Not Allowed"}"#)
    }

    func testHeadIsAnsweredLikeGetWithoutBody() throws {
        let c = try server.client()
        c.send("HEAD /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let raw = String(decoding: c.readUntilEOF(), as: UTF8.self)
        XCTAssertTrue(raw.hasPrefix("HTTP/1.1 200 OK\r\n"), raw)
        // Content-Length describes the GET body, but no body bytes follow the head.
        XCTAssertTrue(raw.contains("\r\nContent-Length: 1\r\n"), raw)
        XCTAssertTrue(raw.hasSuffix("\r\n\r\n"), raw)
    }

    func testQueryStringIsSeparatedFromPath() throws {
        let c = try server.client()
        XCTAssertEqual(c.request("GET", "/path?x=1&y=2")?.bodyText, "/path?x=1&y=2")
    }
}
