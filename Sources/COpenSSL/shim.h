#ifndef PRELOAD_COPENSSL_SHIM_H
#define PRELOAD_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/bio.h>

/* Macros re-exposed as functions, one per need. */
static inline long preload_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return SSL_set_tlsext_host_name(ssl, name);
}
static inline int preload_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline int preload_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
static inline int preload_TLS1_VERSION(void) { return TLS1_VERSION; }
static inline int preload_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline int preload_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }
static inline long preload_BIO_get_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }
static inline STACK_OF(X509) *preload_SSL_get_peer_chain(const SSL *ssl) { return SSL_get_peer_cert_chain(ssl); }
static inline int preload_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
static inline X509 *preload_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
static inline int preload_sk_GENERAL_NAME_num(const STACK_OF(GENERAL_NAME) *sk) { return sk_GENERAL_NAME_num(sk); }
static inline GENERAL_NAME *preload_sk_GENERAL_NAME_value(const STACK_OF(GENERAL_NAME) *sk, int i) {
    return sk_GENERAL_NAME_value(sk, i);
}
static inline void preload_GENERAL_NAMES_free(STACK_OF(GENERAL_NAME) *names) { GENERAL_NAMES_free(names); }
static inline int preload_EVP_PKEY_ED25519(void) { return EVP_PKEY_ED25519; }
/* SMTP probe (PreloadSMTPProbe). */
static inline unsigned long preload_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }
static inline uint64_t preload_SSL_OP_LEGACY_SERVER_CONNECT(void) { return SSL_OP_LEGACY_SERVER_CONNECT; }
static inline uint64_t preload_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline uint64_t preload_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline unsigned int preload_X509_CHECK_FLAGS_STRICT_DNS_ID(void) {
    return X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
}
static inline unsigned long preload_X509_V_FLAG_NO_CHECK_TIME(void) { return X509_V_FLAG_NO_CHECK_TIME; }
/* The dNSName of a GENERAL_NAME, or NULL for other kinds. */
static inline const ASN1_IA5STRING *preload_GENERAL_NAME_dns(const GENERAL_NAME *name) {
    return name->type == GEN_DNS ? name->d.dNSName : NULL;
}
static inline STACK_OF(GENERAL_NAME) *preload_X509_get_san(const X509 *cert) {
    return (STACK_OF(GENERAL_NAME) *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}
#endif
