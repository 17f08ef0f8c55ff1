import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// One connection's TLS state: OpenSSL over the non-blocking socket, driven by the event loop.
///
/// The handshake happens inside the first reads (accept state); a read or write that needs the
/// socket to become readable or writable first reports `.wouldBlock` and says which, so the
/// connection retries it on the right epoll event. Owned by one event loop thread.
final class TLSStream {
    private let ssl: OpaquePointer
    private let context: TLSContext  // keeps the certificate this connection was made with alive
    /// The last read or write stopped on the other direction (a handshake or ticket write during
    /// a read, a read during a write): retry it when that direction is ready.
    private(set) var readWantsWritable = false
    private(set) var writeWantsReadable = false
    private(set) var handshakeDone = false
    /// Set once a handshake failed (bad version, no shared cipher, not TLS at all).
    private(set) var handshakeFailed = false
    /// The handshake failed because the client spoke plain HTTP to this TLS port.
    private(set) var sawPlainHTTP = false

    init?(fd: Int32, context: TLSContext) {
        guard let ssl = SSL_new(context.ctx) else { return nil }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.context = context
    }

    deinit { SSL_free(ssl) }

    /// The protocol chosen by ALPN ("h2", "http/1.1"), or nil when the client offered neither.
    var alpn: String? {
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// Decrypted bytes into `buffer`. Unlike read(2), a short result does not mean the socket is
    /// drained (a record ends there); only `.wouldBlock` does.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if !handshakeDone && SSL_is_init_finished(ssl) == 1 { handshakeDone = true }
        if n > 0 {
            readWantsWritable = false
            return .bytes(Int(n))
        }
        switch SSL_get_error(ssl, n) {
        case SSL_ERROR_WANT_READ:
            readWantsWritable = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            readWantsWritable = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            return .eof
        case let code:
            return try failure(code, call: "SSL_read")
        }
    }

    /// Encrypts and sends from `buffer`; partial writes allowed. A `.wouldBlock` must be retried
    /// with the same bytes (they may have moved).
    func write(_ buffer: UnsafeRawBufferPointer) throws -> IOResult {
        guard buffer.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        let n = SSL_write(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 {
            writeWantsReadable = false
            return .bytes(Int(n))
        }
        switch SSL_get_error(ssl, n) {
        case SSL_ERROR_WANT_WRITE:
            writeWantsReadable = false
            return .wouldBlock
        case SSL_ERROR_WANT_READ:
            writeWantsReadable = true
            return .wouldBlock
        case let code:
            return try failure(code, call: "SSL_write")
        }
    }

    /// Sends close_notify (once, best effort: the socket is about to be half-closed anyway).
    func sendCloseNotify() {
        guard handshakeDone else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
    }

    private func failure(_ code: Int32, call: String) throws -> IOResult {
        if !handshakeDone {
            handshakeFailed = true
            sawPlainHTTP = ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTP_REQUEST
        }
        // An unclean close by the peer (no close_notify) reads as a syscall error with errno 0.
        let e = errno
        ERR_clear_error()
        if code == SSL_ERROR_SYSCALL && e == 0 { return .eof }
        throw SystemError(call: call, errno: code == SSL_ERROR_SYSCALL ? e : EPROTO)
    }
}
