import Support
#if canImport(Glibc)
import Glibc
#endif

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

    /// Calls `body` with the id's bytes: the client's, or sixteen hex digits built in registers.
    @inline(__always)
    func withIDBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
        if !clientID.isEmpty {
            var id = clientID
            id.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        } else {
            var digits = (Hex.lowerDigits(UInt32(truncatingIfNeeded: generatedID >> 32)),
                          Hex.lowerDigits(UInt32(truncatingIfNeeded: generatedID)))
            withUnsafeBytes(of: &digits) { body($0) }
        }
    }

    func appendID(into out: inout [UInt8]) {
        withIDBytes { out.append(contentsOf: $0) }
    }

    func writeID(into w: inout HeadWriter) {
        withIDBytes { w.write($0) }
    }

    var id: String { requestID.description }

    var requestID: RequestID { RequestID(client: clientID, generated: generatedID) }

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
