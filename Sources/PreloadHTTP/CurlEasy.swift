import CCurl
import PreloadCore

/// `curl_global_init`, once per process, before the first handle.
private let curlGlobalInit: CURLcode = preload_curl_global_init()

/// The one owner of a curl easy handle, its error buffer and the lists it points to; freed in `deinit`.
/// Used by one thread at a time. Package-wide, so that the outbound mail module drives the same owner.
package final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    package init() throws(TransferError) {
        guard curlGlobalInit == CURLE_OK else { throw CurlEasy.error(curlGlobalInit, detail: "curl_global_init") }
        guard let handle = curl_easy_init() else {
            throw TransferError(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed")
        }
        self.handle = handle
        let size = Int(preload_CURL_ERROR_SIZE())
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
        _ = preload_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    package func set(_ option: CURLoption, _ value: Int) throws(TransferError) {
        try check(preload_curl_setopt_long(handle, option, value), option)
    }

    package func set(_ option: CURLoption, _ value: String) throws(TransferError) {
        try check(value.withCString { preload_curl_setopt_string(handle, option, $0) }, option)  // libcurl copies
    }

    package func set(_ option: CURLoption, offset value: Int64) throws(TransferError) {
        try check(preload_curl_setopt_off(handle, option, curl_off_t(value)), option)
    }

    /// Sets a string-list option; the list lives as long as the handle.
    package func set(_ option: CURLoption, list: [String]) throws(TransferError) {
        var head: UnsafeMutablePointer<curl_slist>?
        for item in list {
            guard let next = curl_slist_append(head, item) else {
                if let head { curl_slist_free_all(head) }
                throw TransferError(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory")
            }
            head = next
        }
        guard let head else { return }
        lists.append(head)
        try check(preload_curl_setopt_slist(handle, option, head), option)
    }

    package func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(TransferError) {
        try check(preload_curl_setopt_pointer(handle, option, pointer), option)
    }

    /// Verifies peers with `store` (an `X509_STORE`, kept alive by the caller) instead of a CA file.
    package func useStore(_ store: UnsafeMutableRawPointer) throws(TransferError) {
        try check(preload_curl_use_store(handle, store), CURLOPT_SSL_CTX_FUNCTION)
    }

    package func setWriteFunction(_ callback: preload_curl_write_cb) throws(TransferError) {
        try check(preload_curl_setopt_write(handle, callback), CURLOPT_WRITEFUNCTION)
    }

    package func setReadFunction(_ callback: preload_curl_read_cb) throws(TransferError) {
        try check(preload_curl_setopt_read(handle, callback), CURLOPT_READFUNCTION)
    }

    /// Runs the transfer (blocking). Returns `nil` on success, else the translated error.
    package func perform() -> (CURLcode, TransferError?) {
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        return (code, code == CURLE_OK ? nil : Self.error(code, detail: String(cString: errorBuffer)))
    }

    package func info(long info: CURLINFO) -> Int? {
        var value = 0
        return preload_curl_getinfo_long(handle, info, &value) == CURLE_OK ? value : nil
    }

    /// The last response's header `name` (curl_easy_header, libcurl 7.83+), `nil` when absent.
    package func header(_ name: String) -> String? {
        var found: UnsafeMutablePointer<curl_header>? = nil
        guard curl_easy_header(handle, name, 0, UInt32(CURLH_HEADER), -1, &found) == CURLHE_OK, let found,
              let value = found.pointee.value else { return nil }
        return String(cString: value)
    }

    package func info(string info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard preload_curl_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }

    /// The one error-translation point for libcurl.
    package static func error(_ code: CURLcode, detail: String) -> TransferError {
        TransferError(code: Int(code.rawValue), message: String(cString: curl_easy_strerror(code)), detail: detail)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(TransferError) {
        guard code == CURLE_OK else { throw Self.error(code, detail: "setting option \(option.rawValue)") }
    }
}
