import HTTPServer
import TestSupport
import XCTest

/// Draining: stop accepting, finish what was accepted, close idle connections, return from wait().
final class ShutdownTests: XCTestCase {
    func testRequestInFlightCompletesWithConnectionCloseDuringDrain() throws {
        let s = try TestServer()
        let c = try s.client()
        XCTAssertEqual(c.request("GET", "/a")?.status, 200)
        // Head sent, body still missing when the drain starts.
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
        s.server.beginShutdown()
        c.send("cd")
        let r = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.bodyText, "abcd")
        XCTAssertEqual(r.header("Connection"), "close")
        XCTAssertTrue(c.readsEOF())
        s.server.wait()
        // Nothing listens any more.
        XCTAssertThrowsError(try RawClient(port: s.port))
    }

    func testIdleConnectionIsClosedAfterGraceAndWaitReturns() throws {
        var config = HTTPServerConfig()
        config.drainIdleGraceMs = 200
        let s = try TestServer(config: config)
        let c = try s.client()
        XCTAssertEqual(c.request("GET", "/a")?.status, 200)
        s.server.beginShutdown()
        XCTAssertTrue(c.readsEOF())
        s.server.wait()
    }

    func testDrainTimeoutBoundsAStuckRequest() throws {
        var config = HTTPServerConfig()
        config.drainTimeoutMs = 300
        let s = try TestServer(config: config)
        let c = try s.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nnever finished")
        let started = Elapsed.now
        s.server.beginShutdown()
        s.server.wait()
        XCTAssertLessThan(Elapsed.now - started, 2.0)
    }
}
