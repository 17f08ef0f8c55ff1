import COpenSSL
import Support
#if canImport(Glibc)
import Glibc
#endif

/// One connection's TLS state: OpenSSL over the non-blocking socket, driven by the event loop.
///
/// Reads go through a memory BIO that this type fills with its own read(2), so a short read
/// says the socket is drained, as on a plain connection: edge-triggered epoll then reports the
/// next bytes, and the connection goes back to the loop between requests instead of polling
/// the socket once more. Writes go straight to the socket. The handshake happens inside the first
/// reads (accept state); a read or write that needs the other direction first reports
/// `.wouldBlock` and says which, so the connection retries it on the right epoll event. Owned by
/// one event loop thread.
final class TLSStream {
    private let ssl: OpaquePointer
    private let fd: Int32
    /// Ciphertext read from the socket and not yet decrypted (owned by `ssl`).
    private let input: OpaquePointer
    /// The last read(2) returned less than asked: nothing more is waiting in the socket.
    private(set) var socketDrained = false
    /// The peer closed its side; what is buffered is still decrypted first.
    private var peerClosed = false
    static let socketReadSize = 16 * 1024
    private let context: TLSContext  // keeps the certificate this connection was made with alive
    /// The last read stopped because it had to write first (a handshake or ticket write): retry it
    /// when the socket is writable.
    private(set) var readWantsWritable = false
    private(set) var handshakeDone = false
    /// The handshake failed because the client spoke plain HTTP to this TLS port.
    private(set) var sawPlainHTTP = false

    init?(fd: Int32, context: TLSContext) {
        guard let ssl = SSL_new(context.ctx) else { return nil }
        guard let input = BIO_new(BIO_s_mem()), let output = BIO_new_socket(fd, BIO_NOCLOSE) else {
            SSL_free(ssl)
            return nil
        }
        SSL_set_bio(ssl, input, output)  // the session owns both from here
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        self.fd = fd
        self.input = input
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

    /// Decrypted bytes into `buffer`: all that the ciphertext read so far holds, reading the socket
    /// once more when that is not even one record. `.wouldBlock` when the socket has nothing;
    /// after a short result, `socketDrained` says whether the socket may still hold more.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> IOResult {
        var total = 0
        while total < buffer.count {
            // With nothing buffered to decrypt, SSL_read could only answer WANT_READ (and costs about
            // 1,500 instructions to say so): take that answer without the call.
            var code = SSL_ERROR_WANT_READ
            if !handshakeDone || readWantsWritable || SSL_has_pending(ssl) != 0 || BIO_ctrl_pending(input) != 0 {
                copenssl_clear_errors()
                let n = SSL_read(ssl, buffer.baseAddress! + total, Int32(min(buffer.count - total, Int(Int32.max))))
                if !handshakeDone && SSL_is_init_finished(ssl) == 1 { handshakeDone = true }
                if n > 0 {
                    readWantsWritable = false
                    total += Int(n)
                    continue
                }
                code = SSL_get_error(ssl, n)
            }
            if code == SSL_ERROR_WANT_READ {
                readWantsWritable = false
                // Decrypt what there is before reading more; the socket is read only when OpenSSL
                // holds less than a record.
                if total > 0 { return .bytes(total) }
                if peerClosed { return .eof }
                if try !fillFromSocket() { return socketDrained && !peerClosed ? .wouldBlock : .eof }
                continue
            }
            if total > 0 { return .bytes(total) }  // the error repeats on the next read
            switch code {
            case SSL_ERROR_WANT_WRITE:
                readWantsWritable = true
                return .wouldBlock
            case SSL_ERROR_ZERO_RETURN:
                return .eof
            default:
                return try failure(code, call: "SSL_read")
            }
        }
        return .bytes(total)
    }

    /// One read(2) of ciphertext into the memory BIO; false when the socket had none (EAGAIN: then
    /// `socketDrained`; or end of stream: then `peerClosed`).
    private func fillFromSocket() throws -> Bool {
        try withUnsafeTemporaryAllocation(byteCount: TLSStream.socketReadSize, alignment: 16) { scratch in
            switch try nonBlockingRead(fd, into: scratch) {
            case .bytes(let n):
                socketDrained = n < scratch.count
                _ = BIO_write(input, scratch.baseAddress, Int32(n))
                return true
            case .wouldBlock:
                socketDrained = true
                return false
            case .eof:
                peerClosed = true
                return false
            }
        }
    }

    /// Encrypts and sends from `buffer`; partial writes allowed. A `.wouldBlock` must be retried
    /// with the same bytes (they may have moved).
    func write(_ buffer: UnsafeRawBufferPointer) throws -> IOResult {
        guard buffer.count > 0 else { return .bytes(0) }
        copenssl_clear_errors()
        let n = SSL_write(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 {
            return .bytes(Int(n))
        }
        switch SSL_get_error(ssl, n) {
        case SSL_ERROR_WANT_WRITE, SSL_ERROR_WANT_READ:
            // A write that must read first is retried with the next flush, after the next read.
            return .wouldBlock
        case let code:
            return try failure(code, call: "SSL_write")
        }
    }

    /// Sends close_notify (once, best effort: the socket is about to be half-closed anyway).
    func sendCloseNotify() {
        guard handshakeDone else { return }
        copenssl_clear_errors()
        _ = SSL_shutdown(ssl)
        copenssl_clear_errors()  // a failed shutdown must not leave errors for the next connection's reads
    }

    private func failure(_ code: Int32, call: String) throws -> IOResult {
        if !handshakeDone {
            sawPlainHTTP = ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTP_REQUEST
        }
        // An unclean close by the peer (no close_notify) reads as a syscall error with errno 0.
        let e = errno
        ERR_clear_error()
        if code == SSL_ERROR_SYSCALL && e == 0 { return .eof }
        throw SystemError(call: call, errno: code == SSL_ERROR_SYSCALL ? e : EPROTO)
    }
}
