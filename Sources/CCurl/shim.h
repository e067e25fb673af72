#ifndef PRELOAD_CCURL_SHIM_H
#define PRELOAD_CCURL_SHIM_H
#include <curl/curl.h>

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
#endif
