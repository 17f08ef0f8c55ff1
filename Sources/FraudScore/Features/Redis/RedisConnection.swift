import CHiredis
#if canImport(Glibc)
import Glibc
#endif

/// A Redis reply, copied out of hiredis's.
enum RedisReply: Equatable {
    case string([UInt8])
    case integer(Int64)
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    var integers: [Int64]? {
        guard case .array(let items) = self else { return nil }
        var out: [Int64] = []
        for item in items {
            guard case .integer(let v) = item else { return nil }
            out.append(v)
        }
        return out
    }

    var text: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}

/// One blocking hiredis connection, used by one thread only: commands are appended to its output
/// buffer and sent together (pipelined), replies read back in order, each read bounded by the
/// timeout. Any failure leaves the connection unusable: the owner closes it and connects again.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(host: String, port: Int, timeoutMs: Int) throws(Failure) {
        let tv = timeval(tv_sec: timeoutMs / 1000, tv_usec: (timeoutMs % 1000) * 1000)
        guard let c = redisConnectWithTimeout(host, Int32(port), tv) else {
            throw Failure(description: "cannot allocate a Redis connection")
        }
        if c.pointee.err != 0 {
            let message = RedisConnection.errorText(c)
            redisFree(c)
            throw Failure(description: "cannot connect to \(host):\(port): \(message)")
        }
        context = c
        guard redisSetTimeout(c, tv) == REDIS_OK else {
            redisFree(c)
            throw Failure(description: "cannot set the Redis timeout")
        }
        _ = redisEnableKeepAlive(c)
    }

    deinit { redisFree(context) }

    /// Appends one command (its arguments as bytes) to the pipeline; hiredis copies them into its
    /// output buffer.
    func append(_ arguments: [[UInt8]]) {
        var joined: [UInt8] = []
        joined.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        for a in arguments {
            offsets.append(joined.count)
            joined += a
        }
        joined.append(0)  // so that an empty last argument still points inside the buffer
        var lengths = arguments.map(\.count)
        joined.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            pointers.withUnsafeMutableBufferPointer { p in
                lengths.withUnsafeMutableBufferPointer { lens in
                    _ = redisAppendCommandArgv(context, Int32(arguments.count), p.baseAddress, lens.baseAddress)
                }
            }
        }
    }

    /// The next reply in order (sending what is appended first).
    func reply() throws(Failure) -> RedisReply {
        var raw: UnsafeMutableRawPointer? = nil
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
            throw Failure(description: RedisConnection.errorText(context))
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return RedisConnection.copy(reply)
    }

    /// Sends one command and reads its reply; a Redis error reply is thrown.
    func call(_ arguments: [[UInt8]]) throws(Failure) -> RedisReply {
        append(arguments)
        let r = try reply()
        if case .error(let message) = r { throw Failure(description: message) }
        return r
    }

    private static func copy(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let v = r.pointee
        switch v.type {
        case REDIS_REPLY_STRING: return .string(bytes(v.str, v.len))
        case REDIS_REPLY_INTEGER: return .integer(Int64(v.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(v.elements)).map { copy(v.element[$0]!) })
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(v.str, v.len), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(v.str, v.len), as: UTF8.self))
        default: return .null
        }
    }

    private static func bytes(_ p: UnsafeMutablePointer<CChar>?, _ n: Int) -> [UInt8] {
        guard let p, n > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    private static func errorText(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            let text = raw.prefix { $0 != 0 }
            let message = String(decoding: text, as: UTF8.self)
            return message.isEmpty ? "connection lost" : message
        }
    }
}
