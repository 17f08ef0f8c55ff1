import HTTPServer
import TestSupport
import XCTest

/// Starts an `HTTPServer` on an ephemeral loopback port for one test and drains it afterwards.
final class TestServer {
    let server: HTTPServer
    var port: Int { server.port }

    init(config: HTTPServerConfig = HTTPServerConfig(), router: Router = TestServer.echoRouter()) throws {
        var c = config
        c.host = "127.0.0.1"
        c.port = 0
        if c.threads == 0 { c.threads = 1 }
        server = HTTPServer(config: c, router: router)
        try server.start()
    }

    func stop() {
        server.beginShutdown()
        server.wait()
    }

    func client() throws -> RawClient { try RawClient(port: port) }

    /// `POST /echo` returns the body; `GET /path` returns the path and query.
    static func echoRouter() -> Router {
        var r = Router()
        r.add(.POST, "/echo") { HTTPResponse(status: 200, contentType: "application/octet-stream", body: $0.body) }
        r.add(.GET, "/path") { HTTPResponse(status: 200, contentType: "text/plain", body: Array(($0.path + "?" + $0.query).utf8)) }
        r.add(.GET, "/a") { _ in HTTPResponse(status: 200, contentType: "text/plain", body: Array("a".utf8)) }
        r.add(.GET, "/b") { _ in HTTPResponse(status: 200, contentType: "text/plain", body: Array("b".utf8)) }
        r.add(.GET, "/c") { _ in HTTPResponse(status: 200, contentType: "text/plain", body: Array("c".utf8)) }
        return r
    }
}
