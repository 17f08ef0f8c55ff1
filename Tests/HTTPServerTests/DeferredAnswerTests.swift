import Dispatch
import Foundation
import HTTPServer
import TestSupport
import XCTest

/// Handlers that answer later, through the one request pipeline both protocols share: HTTP/1.1
/// keeps pipelined answers in order, HTTP/2 streams go on around a waiting one, and a connection
/// that closes while a handler works is freed, its late answer only counted.
final class DeferredAnswerTests: XCTestCase {
    /// Holds the responders deferred handlers were given, for the test to answer when it chooses,
    /// and the order in which things happened.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var parked: [Responder] = []
        private var log: [String] = []
        private let arrived = DispatchSemaphore(value: 0)

        func park(_ responder: Responder) {
            lock.withLock { parked.append(responder) }
            arrived.signal()
        }

        /// The next parked responder, or nil after 5 s.
        func next() -> Responder? {
            guard arrived.wait(timeout: .now() + 5) == .success else { return nil }
            return lock.withLock { parked.removeFirst() }
        }

        func note(_ event: String) { lock.withLock { log.append(event) } }
        var events: [String] { lock.withLock { log } }
    }

    private static func text(_ status: HTTPStatus, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain", body: Array(body.utf8))
    }

    private static func router(_ gate: Gate) -> Router {
        var r = Router()
        r.addDeferred(.GET, "/slow") { _, responder in gate.park(responder) }
        r.addDeferred(.GET, "/now") { _, responder in responder.respond(Self.text(.ok, "now")) }
        r.addDeferred(.GET, "/dropped") { _, _ in }
        r.add(.GET, "/a") { _ in
            gate.note("a handled")
            return Self.text(.ok, "a")
        }
        return r
    }

    func testPipelinedRequestsBehindADeferredAnswerKeepTheirOrder() throws {
        let gate = Gate()
        let s = try TestServer(router: Self.router(gate))
        defer { s.stop() }
        let c = try s.client()
        c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n")
        let responder = try XCTUnwrap(gate.next(), "the deferred handler was not called")
        gate.note("slow answered")
        // From another thread than the event loop's: the answer crosses through the loop's mailbox.
        DispatchQueue.global().async { responder.respond(Self.text(201, "slow")) }
        let first = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(first.status, 201)
        XCTAssertEqual(first.bodyText, "slow")
        XCTAssertNotNil(first.header("X-Request-Id"))
        let second = try XCTUnwrap(c.readResponse())
        XCTAssertEqual(second.status, 200)
        XCTAssertEqual(second.bodyText, "a")
        XCTAssertEqual(gate.events, ["slow answered", "a handled"], "the pipelined request waited for the deferred one")
    }

    func testTheLastAnswerAConnectionMayCarryIsWrittenBeforeItCloses() throws {
        let gate = Gate()
        var config = HTTPServerConfig()
        config.maxRequestsPerConnection = 2
        let s = try TestServer(config: config, router: Self.router(gate))
        defer { s.stop() }
        let c = try s.client()
        XCTAssertEqual(try XCTUnwrap(c.request("GET", "/a")).status, 200)
        c.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let responder = try XCTUnwrap(gate.next(), "the deferred handler was not called")
        DispatchQueue.global().async { responder.respond(Self.text(.ok, "last")) }
        let last = try XCTUnwrap(c.readResponse(), "the second and last answer was never written")
        XCTAssertEqual(last.bodyText, "last")
        XCTAssertEqual(last.header("Connection"), "close")
    }

    func testAnAnswerGivenDuringTheCallIsImmediateAndADroppedResponderAnswers500() throws {
        let gate = Gate()
        let s = try TestServer(router: Self.router(gate))
        defer { s.stop() }
        let c = try s.client()
        let now = try XCTUnwrap(c.request("GET", "/now"))
        XCTAssertEqual(now.status, 200)
        XCTAssertEqual(now.bodyText, "now")
        let dropped = try XCTUnwrap(c.request("GET", "/dropped"))
        XCTAssertEqual(dropped.status, 500)
        XCTAssertTrue(dropped.bodyText.contains("without an answer"), dropped.bodyText)
    }

    func testHTTP2StreamsAreAnsweredAroundAWaitingOne() throws {
        let gate = Gate()
        let s = try TestServer(router: Self.router(gate))
        defer { s.stop() }
        let nghttp = Process()
        nghttp.executableURL = URL(fileURLWithPath: "/usr/bin/nghttp")
        // Both requests on one connection, as concurrent streams 1 and 3.
        nghttp.arguments = ["-v", "http://127.0.0.1:\(s.port)/slow", "http://127.0.0.1:\(s.port)/a"]
        let out = Pipe()
        nghttp.standardOutput = out
        try nghttp.run()
        let responder = try XCTUnwrap(gate.next(), "the deferred handler was not called")
        // /a is answered while /slow still waits; only then does /slow get its answer.
        try waitUntil { gate.events == ["a handled"] }
        responder.respond(Self.text(.ok, "slow"))
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        nghttp.waitUntilExit()
        XCTAssertEqual(nghttp.terminationStatus, 0, output)
        // nghttp's frame log: the streams in the order their requests went, and their answers came.
        func streams(_ direction: String) -> [Substring] {
            output.split(separator: "\n").filter { $0.contains("\(direction) HEADERS frame") }.compactMap {
                $0.split(separator: "stream_id=").last?.dropLast()
            }
        }
        let sent = streams("send"), received = streams("recv")
        XCTAssertEqual(sent.count, 2, output)
        XCTAssertEqual(received, sent.reversed(), "/a is answered before /slow: \(output)")
        XCTAssertTrue(output.contains("slow") && output.contains("a"), output)
    }

    func testAConnectionClosedWhileItsHandlerWorksIsFreedAndTheLateAnswerCounted() throws {
        let gate = Gate()
        let metrics = HTTPMetrics(prefix: "t")
        var config = HTTPServerConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.threads = 1
        let server = HTTPServer(config: config, router: Self.router(gate), metrics: metrics)
        try server.start()
        defer { server.beginShutdown(); server.wait() }
        var c: RawClient? = try RawClient(port: server.port)
        c!.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        let responder = try XCTUnwrap(gate.next())
        c = nil  // closes the socket
        try waitUntil { Self.sample(metrics, "t_connections_open{protocol=\"http1\"}") == 0 }
        XCTAssertEqual(Self.sample(metrics, "t_requests_in_flight"), 1, "the handler is still working")
        responder.respond(Self.text(.ok, "too late"))
        try waitUntil { Self.sample(metrics, "t_requests_in_flight") == 0 }
        XCTAssertEqual(Self.sample(metrics, "t_requests_total{route=\"/slow\",method=\"GET\",status=\"499\"}"), 1)
        // The loop goes on serving.
        let next = try RawClient(port: server.port)
        XCTAssertEqual(next.request("GET", "/a")?.bodyText, "a")
    }

    /// The value of one sample line in the metrics exposition, or nil.
    static func sample(_ metrics: HTTPMetrics, _ series: String) -> Int? {
        var text = ""
        metrics.render(into: &text)
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Int(line.dropFirst(series.count + 1))
        }
        return nil
    }

    struct TimedOut: Error {}

    /// Polls `condition` until it holds (fails after 5 s): the server's state changes on its own thread.
    private func waitUntil(_ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let deadline = Date().addingTimeInterval(5)
        while !condition() {
            guard Date() < deadline else {
                XCTFail("condition not met within 5 s", file: file, line: line)
                throw TimedOut()
            }
            usleep(1000)
        }
    }
}
