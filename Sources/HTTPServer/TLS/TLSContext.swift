import COpenSSL
import Support

/// What TLS serves: a certificate chain and its key, as PEM files.
public struct TLSSettings: Sendable {
    /// The server certificate first, then its intermediates (as cert-manager writes `tls.crt`).
    public var certificatePath: String
    public var keyPath: String
    /// How often the two files are checked for a change (a rotated certificate).
    public var reloadCheckMs: Int = 1_000

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// A certificate or key that cannot serve, with OpenSSL's reason.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ what: String) {
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        description = reasons.isEmpty ? what : "\(what): \(reasons.joined(separator: "; "))"
    }
}

/// One loaded certificate and key: an OpenSSL server context (TLS 1.2 and 1.3 only, ALPN h2 and
/// http/1.1, session tickets and a session cache). Immutable once built, so every event loop
/// shares it; a rotated certificate is a new context, and connections made with the old one keep
/// it (OpenSSL counts the references) until they close.
public final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    /// SHA-256 of the leaf certificate (DER), lower-case hex: what logs name it by.
    public let fingerprint: String
    /// The leaf certificate's subject, one line (e.g. "/CN=fraudscore.example").
    public let subject: String

    /// TLS 1.2's ciphers: ECDHE with AEAD only (Mozilla's "intermediate"); TLS 1.3 keeps OpenSSL's
    /// default suites, which are all AEAD.
    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

    public init(certificatePath: String, keyPath: String) throws {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError("cannot create a TLS context") }
        do {
            guard copenssl_ctx_set_min_proto_version(ctx, copenssl_tls1_2_version()) == 1 else {
                throw TLSError("cannot require TLS 1.2 or later")
            }
            guard SSL_CTX_set_cipher_list(ctx, TLSContext.tls12Ciphers) == 1 else {
                throw TLSError("cannot set the TLS 1.2 cipher list")
            }
            copenssl_ctx_configure_server(ctx)
            copenssl_ctx_set_alpn_h2_http11(ctx)
            let sessionContext: [UInt8] = Array("HTTPServer".utf8)
            _ = SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
            guard SSL_CTX_use_certificate_chain_file(ctx, certificatePath) == 1 else {
                throw TLSError("TLS certificate \(certificatePath) cannot be used (a PEM file with the server "
                               + "certificate first, then its intermediates)")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, keyPath, copenssl_filetype_pem()) == 1 else {
                if ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH {
                    throw TLSError("TLS key \(keyPath) does not belong to the certificate in \(certificatePath)")
                }
                throw TLSError("TLS key \(keyPath) cannot be used (an unencrypted PEM private key)")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw TLSError("TLS key \(keyPath) does not belong to the certificate in \(certificatePath)")
            }
            guard let leaf = SSL_CTX_get0_certificate(ctx) else {
                throw TLSError("TLS certificate \(certificatePath) holds no certificate")
            }
            (fingerprint, subject) = TLSContext.describe(leaf)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.ctx = ctx
    }

    deinit { SSL_CTX_free(ctx) }

    private static func describe(_ cert: OpaquePointer) -> (String, String) {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = X509_digest(cert, EVP_sha256(), &digest, &length)
        let fingerprint = Hex.string(digest.prefix(Int(length)))
        var name = [CChar](repeating: 0, count: 512)
        _ = X509_NAME_oneline(X509_get_subject_name(cert), &name, Int32(name.count))
        let subject = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (fingerprint, subject)
    }
}
