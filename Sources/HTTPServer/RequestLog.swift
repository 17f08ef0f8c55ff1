import CEpoll
#if canImport(Glibc)
import Glibc
#endif

/// Per-request log lines: JSON on stdout for a sampled share of requests, and every 5xx.
/// No request body, query or header other than the ids is ever logged (card data stays out).
public final class AccessLog: Sendable {
    /// Share of requests logged, 0...1 (responses with status >= 500 are always logged).
    public let sampleRate: Double
    let fd: Int32
    /// A request is sampled when a uniform 64-bit number is below this (all when `sampleAll`).
    let threshold: UInt64
    let sampleAll: Bool

    public init(sampleRate: Double, fd: Int32 = 1) {
        self.sampleRate = min(1, max(0, sampleRate.isNaN ? 0 : sampleRate))
        self.fd = fd
        sampleAll = self.sampleRate >= 1
        threshold = sampleAll ? .max : UInt64(self.sampleRate * 18_446_744_073_709_551_616.0)
    }
}

/// The ids a response carries: the client's `X-Request-Id` when it is sane (else a fresh 16-hex-digit
/// one), and the W3C `traceparent` when valid, passed back unchanged.
struct RequestTags {
    /// Empty when the client sent none (not optional: an Optional<String> is destroyed through the
    /// runtime's generic value witness, hundreds of instructions on every request).
    var clientID: String = ""
    var generatedID: UInt64 = 0
    var traceparent: String = ""

    /// Longest client-supplied request id taken as is.
    static let maxClientIDBytes = 128

    func appendID(into out: inout [UInt8]) {
        if !clientID.isEmpty {
            var id = clientID
            id.withUTF8 { out.append(contentsOf: $0) }
        } else {
            // Sixteen hex digits built in registers, appended once.
            var digits: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &digits) { d in
                for k in 0..<16 {
                    let nibble = Int((generatedID >> UInt64(60 - 4 * k)) & 0xF)
                    d[k] = nibble < 10 ? UInt8(48 + nibble) : UInt8(87 + nibble)
                }
                out.append(contentsOf: UnsafeRawBufferPointer(d))
            }
        }
    }

    var id: String {
        var bytes: [UInt8] = []
        appendID(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static let hex = Array("0123456789abcdef".utf8)

    /// Visible ASCII only (no spaces, quotes or control bytes that could forge log lines or headers).
    static func isSaneID(_ s: String) -> Bool {
        let u = s.utf8
        return !u.isEmpty && u.count <= maxClientIDBytes && u.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
    }

    /// `version-traceid-parentid-flags`: 2, 32, 16 and 2 lowercase hex digits, version not ff,
    /// trace and parent ids not all zero (W3C Trace Context §3.2).
    static func isValidTraceparent(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 55, u[2] == UInt8(ascii: "-"), u[35] == UInt8(ascii: "-"), u[52] == UInt8(ascii: "-") else {
            return false
        }
        func isHex(_ r: Range<Int>) -> Bool {
            u[r].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        }
        func allZero(_ r: Range<Int>) -> Bool { u[r].allSatisfy { $0 == 0x30 } }
        guard isHex(0..<2), isHex(3..<35), isHex(36..<52), isHex(53..<55) else { return false }
        guard !(u[0] == UInt8(ascii: "f") && u[1] == UInt8(ascii: "f")) else { return false }
        guard !allZero(3..<35), !allZero(36..<52) else { return false }
        // Version 00 has exactly this length; later versions may append "-…" fields.
        return u.count == 55 ? true : (u[0] != 0x30 || u[1] != 0x30) && u[55] == UInt8(ascii: "-")
    }
}

/// One per event loop (not thread-safe): tags requests and writes their log lines.
final class RequestTagger {
    let accessLog: AccessLog?
    private var state: UInt64

    init(accessLog: AccessLog?) {
        self.accessLog = accessLog
        var seed: UInt64 = 0
        if getrandom(&seed, 8, 0) != 8 {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            seed = UInt64(bitPattern: Int64(ts.tv_nsec)) ^ UInt64(bitPattern: Int64(ts.tv_sec)) << 30
        }
        state = seed
    }

    /// splitmix64: fast, and every seed gives a full-period sequence.
    private func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func tags(for headers: HTTPHeaders?) -> RequestTags {
        var tags = RequestTags()
        if let headers {
            // Strings only for ids that are there.
            if let id = headers.withValue(named: "x-request-id", { $0.map { String(decoding: $0, as: UTF8.self) } }),
               RequestTags.isSaneID(id) {
                tags.clientID = id
            }
            if let tp = headers.withValue(named: "traceparent", { $0.map { String(decoding: $0, as: UTF8.self) } }),
               RequestTags.isValidTraceparent(tp) {
                tags.traceparent = tp
            }
        }
        if tags.clientID.isEmpty { tags.generatedID = next() }
        return tags
    }

    /// Logs the request if it is sampled or failed on the server's side.
    func finished(method: String, path: String, protocolName: String, status: Int, seconds: Double,
                  bytesIn: Int, bytesOut: Int, tags: RequestTags) {
        guard let log = accessLog else { return }
        guard status >= 500 || log.sampleAll || (log.threshold > 0 && next() < log.threshold) else { return }
        var line = LogLine(level: status >= 500 ? "error" : "info", logger: "fraudscore.access", message: "request")
        line.field("request_id", tags.id)
        if !tags.traceparent.isEmpty { line.field("traceparent", tags.traceparent) }
        line.field("method", method)
        line.field("path", path)
        line.field("protocol", protocolName)
        line.field("status", status)
        line.field("duration_ms", milli: seconds * 1000)
        line.field("bytes_in", bytesIn)
        line.field("bytes_out", bytesOut)
        line.write(to: log.fd)
    }
}
