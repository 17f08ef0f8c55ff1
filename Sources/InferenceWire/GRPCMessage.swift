/// gRPC's framing of a unary call's message over HTTP/2: a 5-byte prefix (a compression flag and a
/// big-endian length) before each protobuf message, a status in the trailers.
public enum GRPCMessage {
    /// The one message of a unary request's body. `maxBytes` is the largest message accepted.
    public static func unary(_ body: UnsafeRawBufferPointer, maxBytes: Int) throws(GRPCFailure) -> UnsafeRawBufferPointer {
        guard body.count >= 5 else {
            throw GRPCFailure(.internalError, body.isEmpty ? "the request has no message"
                              : "truncated gRPC frame: \(body.count) bytes, the prefix alone is 5")
        }
        guard body[0] == 0 else {
            throw body[0] == 1
                ? GRPCFailure(.unimplemented, "compressed messages are not accepted; send with grpc-encoding identity")
                : GRPCFailure(.internalError, "gRPC frame flag \(body[0]) is neither 0 nor 1")
        }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard length <= maxBytes else {
            throw GRPCFailure(.resourceExhausted, "message of \(length) bytes is larger than the server's limit of \(maxBytes)")
        }
        guard length <= body.count - 5 else {
            throw GRPCFailure(.internalError, "truncated gRPC frame: the prefix says \(length) bytes, \(body.count - 5) arrived")
        }
        guard length == body.count - 5 else {
            throw GRPCFailure(.unimplemented, "more than one message in a unary call (\(body.count - 5 - length) bytes after the first)")
        }
        return UnsafeRawBufferPointer(rebasing: body[5...])
    }

    /// `message` with its 5-byte prefix.
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 5)
        out.reserveCapacity(message.count + 5)
        out.append(contentsOf: message)
        writePrefix(&out)
        return out
    }

    /// Fills in the prefix of `framed`: a message written after 5 placeholder bytes, so that an
    /// encoder can write the frame in place instead of copying its message into one.
    public static func writePrefix(_ framed: inout [UInt8]) {
        let n = UInt32(framed.count - 5)
        framed[0] = 0
        framed[1] = UInt8(n >> 24)
        framed[2] = UInt8(truncatingIfNeeded: n >> 16)
        framed[3] = UInt8(truncatingIfNeeded: n >> 8)
        framed[4] = UInt8(truncatingIfNeeded: n)
    }

    /// A `grpc-timeout` value ("100m", "5S": at most 8 digits and a unit of H, M, S, m, u or n) in
    /// microseconds, rounded up; nil when malformed.
    public static func timeoutMicroseconds(_ value: UnsafeRawBufferPointer) -> UInt64? {
        guard value.count >= 2, value.count <= 9 else { return nil }
        var n: UInt64 = 0
        for b in value.dropLast() {
            guard b >= 48 && b <= 57 else { return nil }
            n = n * 10 + UInt64(b - 48)
        }
        switch value[value.count - 1] {
        case UInt8(ascii: "H"): return n * 3_600_000_000
        case UInt8(ascii: "M"): return n * 60_000_000
        case UInt8(ascii: "S"): return n * 1_000_000
        case UInt8(ascii: "m"): return n * 1_000
        case UInt8(ascii: "u"): return n
        case UInt8(ascii: "n"): return (n + 999) / 1_000
        default: return nil
        }
    }

    /// `grpc-message`'s encoding: printable ASCII except `%` as is, everything else percent-encoded.
    public static func percentEncoded(_ message: String) -> String {
        var out = ""
        let hex: [Character] = Array("0123456789ABCDEF")
        for b in message.utf8 {
            if b >= 0x20 && b <= 0x7E && b != UInt8(ascii: "%") {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out.append("%")
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        return out
    }
}

/// A gRPC status code (grpc/doc/statuscodes.md).
public enum GRPCStatusCode: Int, Sendable {
    case ok = 0, cancelled = 1, unknown = 2, invalidArgument = 3, deadlineExceeded = 4, notFound = 5,
         alreadyExists = 6, permissionDenied = 7, resourceExhausted = 8, failedPrecondition = 9, aborted = 10,
         outOfRange = 11, unimplemented = 12, internalError = 13, unavailable = 14, dataLoss = 15, unauthenticated = 16

    /// The HTTP status that says the same, for the request metrics and the access log (the wire
    /// status of a gRPC answer is always 200).
    public var httpEquivalent: Int {
        switch self {
        case .ok: 200
        case .cancelled: 499
        case .invalidArgument, .failedPrecondition, .outOfRange: 400
        case .unauthenticated: 401
        case .permissionDenied: 403
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .resourceExhausted: 429
        case .unimplemented: 501
        case .unavailable: 503
        case .deadlineExceeded: 504
        case .unknown, .internalError, .dataLoss: 500
        }
    }
}

/// A call's failure: its status code and a message saying what to fix.
public struct GRPCFailure: Error, Sendable, Equatable {
    public let code: GRPCStatusCode
    public let message: String
    public init(_ code: GRPCStatusCode, _ message: String) {
        self.code = code
        self.message = message
    }
}
