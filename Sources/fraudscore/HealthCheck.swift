import ArgumentParser
import Support
#if canImport(Glibc)
import Glibc
#endif

/// `fraudscore healthcheck`: GETs the readiness route on this machine and exits 0 on a 200, for
/// Docker's HEALTHCHECK and compose (the image has no curl). Plain HTTP: with TLS on the main port,
/// the server's `--probe-port` is the one to ask, and is the default when FRAUDSCORE_PROBE_PORT is set.
struct HealthCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 if the local server answers its readiness route with 200, else 1.")

    @Option(help: "Port (default: $FRAUDSCORE_PROBE_PORT, else $FRAUDSCORE_PORT, else 8080).")
    var port: Int?
    @Option(help: "Address of the server (IPv4 or IPv6 literal).")
    var host = "127.0.0.1"
    @Option(help: "Path to GET.")
    var path = "/health/ready"
    @Option(help: "Limit: ms for the whole exchange.")
    var timeoutMs = 2_000

    func run() throws {
        let env = { (name: String) in getenv(name).flatMap { Int(String(cString: $0)) } }
        let port = port ?? env("FRAUDSCORE_PROBE_PORT") ?? env("FRAUDSCORE_PORT") ?? 8080
        let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(path)"
        switch statusLine(port: port) {
        case .success(let line) where line.hasPrefix("HTTP/1.1 200 ") || line.hasPrefix("HTTP/1.0 200 "):
            return
        case .success(let line):
            writeStderr("healthcheck: \(url) answered \(line)\n")
        case .failure(let problem):
            writeStderr("healthcheck: \(url): \(problem.message)\n")
        }
        throw ExitCode(1)
    }

    struct Problem: Error { var message: String }

    /// The first line of the server's answer.
    private func statusLine(port: Int) -> Result<String, Problem> {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            return .failure(Problem(message: "--host must be an IP address literal"))
        }
        defer { freeaddrinfo(found) }
        let fd: Int32
        do {
            fd = try syscall("socket") { socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        } catch {
            return .failure(Problem(message: "\(error)"))
        }
        defer { Sys.close(fd) }
        var limit = timeval(tv_sec: timeoutMs / 1000, tv_usec: (timeoutMs % 1000) * 1000)
        do {
            for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
                _ = try syscall("setsockopt") { setsockopt(fd, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size)) }
            }
            _ = try syscall("connect") { connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) }
        } catch {
            return .failure(Problem(message: "cannot connect: \(error.reason)"))
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: fraudscore-healthcheck\r\nConnection: close\r\n\r\n".utf8)
        if let error = (request.withUnsafeBytes { bytes in Result { () throws(SystemError) in try Sys.writeAll(fd, bytes) } }).failure {
            return .failure(Problem(message: "cannot send the request: \(error.reason)"))
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !answer.contains(UInt8(ascii: "\n")) && answer.count < 4096 {
            let read = buffer.withUnsafeMutableBytes { b in Result { () throws(SystemError) in try Sys.read(fd, into: b) } }
            switch read {
            case .success(0): return .failure(Problem(message: "connection closed without an answer"))
            case .success(let n): answer += buffer[..<n]
            case .failure(let error): return .failure(Problem(message: "no answer in \(timeoutMs) ms: \(error.reason)"))
            }
        }
        let line = answer.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        return .success(String(decoding: line, as: UTF8.self))
    }
}
