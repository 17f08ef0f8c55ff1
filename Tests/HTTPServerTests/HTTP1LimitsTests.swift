import HTTPServer
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Each limit of DESIGN.md §3 with its status code, on a server configured with small limits.
final class HTTP1LimitsTests: XCTestCase {
    private func start(_ configure: (inout HTTPServerConfig) -> Void) throws -> TestServer {
        var config = HTTPServerConfig()
        configure(&config)
        return try TestServer(config: config)
    }

    func testOversizeHeaderSectionIs431() throws {
        let s = try start { $0.maxHeaderBytes = 1024 }
        defer { s.stop() }
        let c = try s.client()
        c.send("GET /a HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "v", count: 2000))\r\n\r\n")
        XCTAssertEqual(c.readResponse()?.status, 431)
        XCTAssertTrue(c.readsEOF())
        // Just under the limit is fine.
        let ok = try s.client()
        XCTAssertEqual(ok.request("GET", "/a", headers: ["X-Big: " + String(repeating: "v", count: 900)])?.status, 200)
    }

    func testTooManyHeaderFieldsIs431() throws {
        let s = try start { $0.maxHeaderCount = 10 }
        defer { s.stop() }
        let c = try s.client()
        XCTAssertEqual(c.request("GET", "/a", headers: (1...9).map { "X-\($0): v" })?.status, 200)  // 10 with Host
        let d = try s.client()
        XCTAssertEqual(d.request("GET", "/a", headers: (1...10).map { "X-\($0): v" })?.status, 431)
    }

    func testLongURIIs414() throws {
        let s = try start { $0.maxURIBytes = 100 }
        defer { s.stop() }
        let ok = try s.client()
        XCTAssertEqual(ok.request("GET", "/path?" + String(repeating: "q", count: 94))?.status, 200)  // 100 bytes
        let c = try s.client()
        XCTAssertEqual(c.request("GET", "/path?" + String(repeating: "q", count: 95))?.status, 414)  // 101 bytes
        // A request line that never ends is refused as soon as it passes the limit.
        let d = try s.client()
        d.send("GET /" + String(repeating: "q", count: 500))
        XCTAssertEqual(d.readResponse()?.status, 414)
    }

    func testOversizeBodyIs413BeforeTheBodyIsSent() throws {
        let s = try start { $0.maxBodyBytes = 1000 }
        defer { s.stop() }
        let c = try s.client()
        // Only the head is sent: the 413 must come without waiting for the body.
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n")
        let r = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(r.status, 413)
        XCTAssertEqual(r.header("Connection"), "close")
        XCTAssertTrue(r.bodyText.contains("1000"), r.bodyText)
        let ok = try s.client()
        XCTAssertEqual(ok.request("POST", "/echo", body: String(repeating: "b", count: 1000))?.body.count, 1000)
    }

    func testOversizeChunkedBodyIs413() throws {
        let s = try start { $0.maxBodyBytes = 1000 }
        defer { s.stop() }
        let c = try s.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3E8\r\n"
               + String(repeating: "a", count: 1000) + "\r\n1\r\n")
        XCTAssertEqual(c.readResponse()?.status, 413)
    }

    func testOversizeBodyWith100ContinueGets413InsteadOfContinue() throws {
        let s = try start { $0.maxBodyBytes = 1000 }
        defer { s.stop() }
        let c = try s.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(c.readResponse()?.status, 413)
    }

    /// Slowloris: bytes trickle in faster than any idle timeout, but the header deadline is absolute.
    func testHeaderDeadlineIsAbsoluteAgainstTrickling() throws {
        let s = try start { $0.headerTimeoutMs = 400 }
        defer { s.stop() }
        let c = try s.client()
        let started = Elapsed.now
        c.send("GET /a HTTP/1.1\r\n")
        // Keep sending one header byte every 50 ms for up to 3 s; the server must cut us off.
        let done = SharedFlag()
        let trickler = Thread {
            for _ in 0..<60 where !done.value {
                c.send("X")
                usleep(50_000)
            }
        }
        trickler.start()
        let r = c.readResponse()
        done.set()
        XCTAssertEqual(r?.status, 408)
        let elapsed = Elapsed.now - started
        XCTAssertGreaterThanOrEqual(elapsed, 0.35)
        XCTAssertLessThan(elapsed, 2.5, "the deadline must not be extended by trickling bytes")
    }

    func testBodyDeadlineIs408() throws {
        let s = try start { $0.bodyTimeoutMs = 300 }
        defer { s.stop() }
        let c = try s.client()
        c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertEqual(c.readResponse()?.status, 408)
        XCTAssertTrue(c.readsEOF())
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let s = try start { $0.idleTimeoutMs = 300 }
        defer { s.stop() }
        let c = try s.client()
        XCTAssertEqual(c.request("GET", "/a")?.status, 200)
        let started = Elapsed.now
        XCTAssertTrue(c.readsEOF())
        XCTAssertGreaterThanOrEqual(Elapsed.now - started, 0.25)
    }

    func testMaxRequestsPerConnection() throws {
        let s = try start { $0.maxRequestsPerConnection = 3 }
        defer { s.stop() }
        let c = try s.client()
        XCTAssertNil(c.request("GET", "/a")?.header("Connection"))
        XCTAssertNil(c.request("GET", "/a")?.header("Connection"))
        let third = try XCTUnwrap(c.request("GET", "/a"))
        XCTAssertEqual(third.status, 200)
        XCTAssertEqual(third.header("Connection"), "close")
        XCTAssertTrue(c.readsEOF())
    }

    func testMaxConnectionsPerLoopIs503() throws {
        let s = try start { $0.maxConnectionsPerLoop = 2; $0.threads = 1 }
        defer { s.stop() }
        var a: RawClient? = try s.client()
        let b = try s.client()
        XCTAssertEqual(a?.request("GET", "/a")?.status, 200)
        XCTAssertEqual(b.request("GET", "/a")?.status, 200)
        let c = try s.client()
        let r = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(r.status, 503)
        XCTAssertTrue(r.bodyText.contains("Too many connections"), r.bodyText)
        // Closing one frees its slot once the server sees the close.
        a = nil
        var served = false
        let started = Elapsed.now
        while !served && Elapsed.now - started < 3 {
            let d = try s.client()
            served = d.request("GET", "/a")?.status == 200
        }
        XCTAssertTrue(served)
    }
}

/// Wall-clock seconds for coarse elapsed-time assertions.
enum Elapsed {
    static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A flag set by the test thread and read by a helper thread.
final class SharedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = false
    var value: Bool { lock.lock(); defer { lock.unlock() }; return stored }
    func set() { lock.lock(); stored = true; lock.unlock() }
}
