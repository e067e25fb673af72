#ifndef PRELOAD_CCURL_SHIM_H
#define PRELOAD_CCURL_SHIM_H
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

/* curl_easy_setopt is variadic: one typed wrapper per argument kind. */
static inline CURLcode preload_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode preload_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode preload_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode preload_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode preload_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*preload_curl_write_cb)(char *, size_t, size_t, void *);
typedef size_t (*preload_curl_read_cb)(char *, size_t, size_t, void *);
static inline CURLcode preload_curl_setopt_write(CURL *h, preload_curl_write_cb cb) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
static inline CURLcode preload_curl_setopt_header(CURL *h, preload_curl_write_cb cb) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
static inline CURLcode preload_curl_setopt_read(CURL *h, preload_curl_read_cb cb) { return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb); }
static inline CURLcode preload_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode preload_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
/* One-time global set-up (CURL_GLOBAL_DEFAULT is a composite macro). */
static inline CURLcode preload_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
static inline long preload_CURL_ERROR_SIZE(void) { return CURL_ERROR_SIZE; }
static inline CURLcode preload_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
/* A trust store made once and shared by every transfer that verifies with it: the roots of `cafile`, or
   OpenSSL's default paths when it is NULL. Partial chains are accepted, as libcurl's own store does. NULL
   when the roots cannot be read. */
static inline void *preload_curl_store_new(const char *cafile) {
    X509_STORE *store = X509_STORE_new();
    if (!store) return NULL;
    int ok = cafile ? X509_STORE_load_file(store, cafile) : X509_STORE_set_default_paths(store);
    if (ok != 1) {
        X509_STORE_free(store);
        ERR_clear_error();
        return NULL;
    }
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    return store;
}
static CURLcode preload_curl_ssl_ctx_use_store(CURL *h, void *ssl_ctx, void *store) {
    (void)h;
    return SSL_CTX_set1_cert_store((SSL_CTX *)ssl_ctx, (X509_STORE *)store), CURLE_OK;
}
/* Verifies with `store` instead of a CA file or directory that libcurl would parse for each connection. */
static inline CURLcode preload_curl_use_store(CURL *h, void *store) {
    CURLcode c = curl_easy_setopt(h, CURLOPT_CAINFO, (char *)NULL);
    if (c == CURLE_OK) c = curl_easy_setopt(h, CURLOPT_CAPATH, (char *)NULL);
    if (c == CURLE_OK) c = curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, preload_curl_ssl_ctx_use_store);
    if (c == CURLE_OK) c = curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, store);
    return c;
}
#endif
