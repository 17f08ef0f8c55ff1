// OpenSSL 3 for TLS with ALPN. Macros do not import into Swift: typed wrappers below.
#ifndef FRAUDSCORE_COPENSSL_SHIM_H
#define FRAUDSCORE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

static inline long copenssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int copenssl_tls1_2_version(void) { return TLS1_2_VERSION; }

// Server context settings that are macros or 64-bit option bits in OpenSSL 3:
// - partial writes, and a write buffer that may move between a WANT_WRITE and its retry
//   (the connection's output array can grow in between);
// - read buffers released while a connection is idle (about 34 KiB each);
// - no renegotiation, no compression, a fresh ECDHE key per handshake; the server's cipher order.
static inline void copenssl_ctx_configure_server(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                          | SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE
                             | SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
}

// ALPN: the first of the server's protocols ("h2", then "http/1.1") that the client offers.
// A client that offers neither gets no ALPN answer and speaks HTTP/1.1.
static inline int copenssl_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                       const unsigned char *in, unsigned int inlen, void *arg) {
    (void)ssl; (void)arg;
    static const unsigned char server[] = "\x02h2\x08http/1.1";
    if (SSL_select_next_proto((unsigned char **)out, outlen, server, sizeof(server) - 1, in, inlen)
        != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_OK;
}
static inline void copenssl_ctx_set_alpn_h2_http11(SSL_CTX *ctx) {
    SSL_CTX_set_alpn_select_cb(ctx, copenssl_alpn_select, NULL);
}

static inline int copenssl_filetype_pem(void) { return SSL_FILETYPE_PEM; }

// SSL_get_error needs an empty error queue before each I/O call. ERR_clear_error walks all 16
// slots of the thread's queue (about 800 instructions in OpenSSL 3.0) even when it is empty, which
// it almost always is: look first.
static inline void copenssl_clear_errors(void) {
    if (ERR_peek_error() != 0) ERR_clear_error();
}
#endif
