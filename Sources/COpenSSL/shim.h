// OpenSSL 3 for TLS with ALPN. Macros do not import into Swift: typed wrappers below.
#ifndef FRAUDSCORE_COPENSSL_SHIM_H
#define FRAUDSCORE_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

static inline long copenssl_ctx_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int copenssl_tls1_2_version(void) { return TLS1_2_VERSION; }
#endif
