import COpenSSL
import NIOCore
import PreloadOpenSSL

/// Why `--tls-cert`/`--tls-key` cannot be used.
public enum TLSSetupError: Error, Sendable, CustomStringConvertible {
    /// The certificate (chain) file cannot be read or is not PEM certificates.
    case certificate(String, OpenSSLError)
    /// The key file cannot be read or is not a PEM private key.
    case key(String, OpenSSLError)
    /// The key is not the certificate's.
    case mismatch(certificate: String, key: String, OpenSSLError)
    /// OpenSSL could not make a context.
    case context(OpenSSLError)

    public var description: String {
        switch self {
        case .certificate(let path, let e): "the TLS certificate \(path) cannot be used: \(e)"
        case .key(let path, let e): "the TLS key \(path) cannot be used: \(e)"
        case .mismatch(let cert, let key, let e): "the TLS key \(key) does not belong to the certificate \(cert): \(e)"
        case .context(let e): "TLS cannot be set up: \(e)"
        }
    }
}

/// The server side of TLS for `preload serve --tls-cert --tls-key`: one OpenSSL `SSL_CTX` (TLS 1.2 and
/// 1.3, the certificate chain and its key, checked to belong together), shared by every connection. Read
/// only after it is made, so it may be shared across event loops.
public final class TLSServerContext: @unchecked Sendable {
    let ctx: OpaquePointer

    /// Loads the PEM certificate chain (leaf first) and the PEM private key; refuses a key that is not the
    /// certificate's.
    public init(certificateFile: String, keyFile: String) throws(TLSSetupError) {
        OpenSSLError.clearQueue()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw .context(OpenSSLError.capture("SSL_CTX_new")) }
        self.ctx = ctx
        guard preload_SSL_CTX_set_min_proto_version(ctx, preload_TLS1_2_VERSION()) == 1 else {
            throw .context(OpenSSLError.capture("SSL_CTX_set_min_proto_version"))
        }
        _ = SSL_CTX_set_options(ctx, preload_SSL_OP_NO_TICKET() | preload_SSL_OP_IGNORE_UNEXPECTED_EOF())
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
            throw .certificate(certificateFile, OpenSSLError.capture("SSL_CTX_use_certificate_chain_file"))
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, keyFile, SSL_FILETYPE_PEM) == 1 else {
            let error = OpenSSLError.capture("SSL_CTX_use_PrivateKey_file")
            // OpenSSL checks the pair as it loads the key: a readable key of another certificate fails here.
            if error.details.contains(where: { $0.contains("values mismatch") || $0.contains("key values") }) {
                throw .mismatch(certificate: certificateFile, key: keyFile, error)
            }
            throw .key(keyFile, error)
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw .mismatch(certificate: certificateFile, key: keyFile, OpenSSLError.capture("SSL_CTX_check_private_key"))
        }
    }

    deinit { SSL_CTX_free(ctx) }
}

/// TLS on one connection with OpenSSL over memory BIOs: the bytes from the socket go into the read BIO,
/// OpenSSL's records come out of the write BIO; the handlers after it see plain bytes. A failed handshake
/// (a client speaking plain HTTP, a bad record) closes this connection only.
final class TLSServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let context: TLSServerContext
    private var ssl: OpaquePointer?
    private var readBIO: OpaquePointer?
    private var writeBIO: OpaquePointer?
    private var handshakeDone = false
    private var closed = false
    /// Plain bytes written before the handshake finished.
    private var pending: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init(context: TLSServerContext) { self.context = context }

    func handlerAdded(context: ChannelHandlerContext) {
        OpenSSLError.clearQueue()
        guard let ssl = SSL_new(self.context.ctx), let r = BIO_new(BIO_s_mem()), let w = BIO_new(BIO_s_mem()) else {
            context.close(promise: nil)
            return
        }
        SSL_set_bio(ssl, r, w)  // the SSL owns both BIOs now
        SSL_set_accept_state(ssl)
        self.ssl = ssl
        readBIO = r
        writeBIO = w
    }

    func handlerRemoved(context: ChannelHandlerContext) { release() }

    private func release() {
        if let ssl { SSL_free(ssl) }
        ssl = nil
        readBIO = nil
        writeBIO = nil
        for (_, promise) in pending { promise?.fail(ChannelError.ioOnClosedChannel) }
        pending = []
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        for (_, promise) in pending { promise?.fail(ChannelError.ioOnClosedChannel) }
        pending = []
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let ssl, let readBIO, !closed else { return }
        var buffer = unwrapInboundIn(data)
        while buffer.readableBytes > 0 {
            let written = buffer.withUnsafeReadableBytes { raw in
                BIO_write(readBIO, raw.baseAddress, Int32(min(raw.count, Int(Int32.max))))
            }
            guard written > 0 else { fail(context); return }
            buffer.moveReaderIndex(forwardBy: Int(written))
        }
        if !handshakeDone {
            OpenSSLError.clearQueue()
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                handshakeDone = true
                flushRecords(context)
                let waiting = pending
                pending = []
                for (plain, promise) in waiting { encrypt(plain, promise: promise, context: context) }
                if !waiting.isEmpty { context.flush() }
            } else {
                let error = SSL_get_error(ssl, result)
                flushRecords(context)  // a ServerHello, or the alert of a failed handshake
                if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
                    _ = OpenSSLError.capture("SSL_do_handshake")  // drained: another connection's queue starts empty
                    fail(context)
                    return
                }
                context.flush()
                return
            }
        }
        decrypt(context)
    }

    /// Hands every complete record's plain bytes on.
    private func decrypt(_ context: ChannelHandlerContext) {
        guard let ssl else { return }
        var delivered = false
        while !closed {
            OpenSSLError.clearQueue()
            let count = scratch.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 {
                context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: scratch[0..<Int(count)])))
                delivered = true
                continue
            }
            let error = SSL_get_error(ssl, count)
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { break }
            if error == SSL_ERROR_ZERO_RETURN {
                // The client's close_notify: answer with ours and close.
                flushRecords(context)
                context.close(promise: nil)
                closed = true
                break
            }
            _ = OpenSSLError.capture("SSL_read")
            fail(context)
            return
        }
        flushRecords(context)
        context.flush()
        if delivered { context.fireChannelReadComplete() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Reads are passed on with their own read-complete in decrypt.
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plain = unwrapOutboundIn(data)
        guard ssl != nil, !closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        guard handshakeDone else {
            pending.append((plain, promise))
            return
        }
        encrypt(plain, promise: promise, context: context)
    }

    private func encrypt(_ plain: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        guard let ssl else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var ok = true
        if plain.readableBytes > 0 {
            OpenSSLError.clearQueue()
            // A memory BIO never refuses bytes, so SSL_write takes all of them at once.
            let written = plain.withUnsafeReadableBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if written <= 0 {
                _ = OpenSSLError.capture("SSL_write")
                ok = false
            }
        }
        guard ok else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            fail(context)
            return
        }
        flushRecords(context, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        if handshakeDone { context.flush() }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode != .input, let ssl, handshakeDone, !closed {
            OpenSSLError.clearQueue()
            _ = SSL_shutdown(ssl)  // queues our close_notify
            _ = OpenSSLError.capture("SSL_shutdown")
            flushRecords(context)
            context.flush()
        }
        closed = true
        context.close(mode: mode, promise: promise)
    }

    /// Writes what OpenSSL produced (records, alerts) to the socket; `promise` completes with the last write.
    private func flushRecords(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        guard let writeBIO else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var out = context.channel.allocator.buffer(capacity: 0)
        while BIO_ctrl_pending(writeBIO) > 0 {
            let count = scratch.withUnsafeMutableBytes { BIO_read(writeBIO, $0.baseAddress, Int32($0.count)) }
            guard count > 0 else { break }
            out.writeBytes(scratch[0..<Int(count)])
        }
        if out.readableBytes > 0 {
            context.write(wrapOutboundOut(out), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    /// Ends a connection whose TLS failed (what OpenSSL had to say, an alert, is sent first).
    private func fail(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        flushRecords(context)
        closed = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
