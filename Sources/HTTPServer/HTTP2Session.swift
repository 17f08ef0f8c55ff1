import CNghttp2

/// One HTTP/2 connection's protocol state (libnghttp2 1.52, server side). Bytes go in through
/// `receive`, frames come out through `send`; a request whose stream has ended is answered at once
/// by the same router HTTP/1.1 uses, so a handler cannot tell which protocol carried it.
///
/// Owned by one event loop thread, like its `HTTP1Connection`. nghttp2 calls back into this object
/// through `user_data` (an unretained pointer: the connection keeps the session alive).
final class HTTP2Session {
    final class Stream {
        var method = ""
        var path = ""
        var query = ""
        var headers = HTTPHeaders()
        var body: [UInt8] = []
        var headerBytes = 0
        var tooLarge = false
        var response: [UInt8] = []
        var sent = 0
    }

    /// The client connection preface that starts every HTTP/2 connection with prior knowledge.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private var session: OpaquePointer?
    private var streams: [Int32: Stream] = [:]
    private let config: HTTPServerConfig
    private let router: Router
    private let metrics: HTTPMetrics
    private let shard: HTTPMetrics.Shard
    private let tagger: RequestTagger
    private var floodGuard: HTTP2FloodGuard
    /// Set when this side ended the session with ENHANCE_YOUR_CALM.
    private(set) var cutOff = false
    /// The event loop's cached `Date:` header line, set before each batch of input.
    var date: [UInt8] = []

    init(config: HTTPServerConfig, router: Router, metrics: HTTPMetrics, shard: HTTPMetrics.Shard,
         tagger: RequestTagger) throws {
        self.config = config
        self.router = router
        self.metrics = metrics
        self.shard = shard
        self.tagger = tagger
        floodGuard = HTTP2FloodGuard(burst: config.http2FloodBurst, perSecond: config.http2FloodRate,
                                     nowMs: Clock.monotonicMs())
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else {
            throw SystemError(call: "nghttp2_session_callbacks_new", errno: 12)
        }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, HTTP2Session.onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, HTTP2Session.onHeader)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, HTTP2Session.onData)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, HTTP2Session.onFrame)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, HTTP2Session.onStreamClose)
        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, let option else {
            throw SystemError(call: "nghttp2_option_new", errno: 12)
        }
        defer { nghttp2_option_del(option) }
        // Backported to Debian's 1.52: Rapid Reset and CONTINUATION flood limits.
        nghttp2_option_set_stream_reset_rate_limit(option, 1000, 33)
        nghttp2_option_set_max_continuations(option, 8)
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard nghttp2_session_server_new2(&session, callbacks, me, option) == 0 else {
            throw SystemError(call: "nghttp2_session_server_new2", errno: 12)
        }
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: 100),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(config.maxHeaderBytes)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), value: 0),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES.rawValue), value: 1),
        ]
        nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count)
    }

    deinit {
        nghttp2_session_del(session)
    }

    /// Feeds received bytes; false when the connection must close (a protocol error or a flood; the
    /// GOAWAY queued is still sent).
    func receive(_ bytes: UnsafeRawBufferPointer, nowMs: UInt64) -> Bool {
        guard !bytes.isEmpty else { return true }
        guard floodGuard.admit(bytes, nowMs: nowMs) else {
            shard.h2FloodCloses.add(1, ordering: .relaxed)
            cutOff = true
            nghttp2_session_terminate_session(session, UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue))
            return false
        }
        let n = nghttp2_session_mem_recv(session, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), bytes.count)
        return n >= 0
    }

    /// Appends every frame nghttp2 has ready to `output`, up to `limit` pending bytes.
    func send(into output: inout [UInt8], limit: Int) -> Bool {
        while output.count < limit {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &data)
            if n < 0 { return false }
            if n == 0 { break }
            // Valid only until the next nghttp2 call: copied at once.
            output.append(contentsOf: UnsafeBufferPointer(start: data, count: n))
        }
        return true
    }

    /// True while the session still expects to read or write.
    var isAlive: Bool {
        nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0
    }

    /// GOAWAY: streams already begun are finished, no new one is accepted.
    func shutdown() {
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue),
                              nghttp2_session_get_last_proc_stream_id(session), UInt32(NGHTTP2_NO_ERROR.rawValue), nil, 0)
    }

    // MARK: requests

    private func dispatch(_ id: Int32, _ stream: Stream) {
        var request = HTTPRequest(method: stream.method, path: stream.path, query: stream.query, version: (2, 0),
                                  headers: stream.headers, body: stream.body)
        let started = HTTPMetrics.now()
        shard.inFlight.add(1, ordering: .relaxed)
        let tags = tagger.tags(for: stream.headers)
        let (response, route) = stream.tooLarge
            ? (HTTPResponse.detail(413, "Request body larger than \(config.maxBodyBytes) bytes"), "none")
            : router.route(request)
        shard.inFlight.subtract(1, ordering: .relaxed)
        stream.response = stream.method == "HEAD" ? [] : response.body
        submit(id, response, tags: tags)
        let seconds = HTTPMetrics.now() - started
        metrics.record(shard, route: route, method: stream.method, status: response.status, seconds: seconds)
        tagger.finished(method: stream.method, path: stream.path, protocolName: "HTTP/2", status: response.status,
                        seconds: seconds, bytesIn: stream.body.count, bytesOut: response.body.count, tags: tags)
    }

    private func submit(_ id: Int32, _ response: HTTPResponse, tags: RequestTags) {
        // Names and values in one buffer that outlives the submit call (nghttp2 copies them), as
        // (name start, name length, value start, value length); values written as HTTP/1.1 does.
        var storage: [UInt8] = []
        storage.reserveCapacity(256)
        var spans: [(Int, Int, Int, Int)] = []
        func add(_ name: String, _ value: (inout [UInt8]) -> Void) {
            let n = storage.count
            storage += name.utf8
            let v = storage.count
            value(&storage)
            spans.append((n, v - n, v, storage.count - v))
        }
        add(":status") { ResponseEncoder.appendDecimal(response.status, into: &$0) }
        add("server") { $0 += "fraudscore".utf8 }
        // The event loop's cached "Date: …\r\n" line.
        if date.count > 8 { add("date") { $0 += date[6..<(date.count - 2)] } }
        if !response.contentType.isEmpty { add("content-type") { $0 += response.contentType.utf8 } }
        add("content-length") { ResponseEncoder.appendDecimal(response.body.count, into: &$0) }
        add("x-request-id") { tags.appendID(into: &$0) }
        if let tp = tags.traceparent { add("traceparent") { $0 += tp.utf8 } }
        for (name, value) in response.headers { add(name.lowercased()) { $0 += value.utf8 } }
        storage.withUnsafeMutableBufferPointer { bytes in
            var nva = spans.map { s in
                nghttp2_nv(name: bytes.baseAddress! + s.0, value: bytes.baseAddress! + s.2, namelen: s.1, valuelen: s.3,
                           flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            var provider = nghttp2_data_provider()
            provider.read_callback = HTTP2Session.readBody
            _ = nghttp2_submit_response(session, id, &nva, nva.count, &provider)
        }
    }

    // MARK: nghttp2 callbacks (C function pointers: no captures; `user_data` is this session)

    private static func this(_ userData: UnsafeMutableRawPointer?) -> HTTP2Session {
        Unmanaged<HTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
        guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue),
              frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        this(userData).streams[frame.pointee.hd.stream_id] = Stream()
        return 0
    }

    private static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
        guard let frame, let stream = this(userData).streams[frame.pointee.hd.stream_id] else { return 0 }
        let me = this(userData)
        stream.headerBytes += nameLength + valueLength + 32
        if stream.headerBytes > me.config.maxHeaderBytes || stream.headers.count >= me.config.maxHeaderCount {
            // Over the SETTINGS_MAX_HEADER_LIST_SIZE we advertised (nghttp2 does not enforce it): the
            // client ignores our settings (an HPACK bomb, a CONTINUATION flood). Refuse the stream and
            // end the connection with ENHANCE_YOUR_CALM, as nginx does, before decoding any more.
            me.shard.h2HeaderLimitCloses.add(1, ordering: .relaxed)
            me.cutOff = true
            nghttp2_session_terminate_session(me.session, UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue))
            return Int32(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue)
        }
        let n = String(decoding: UnsafeBufferPointer(start: name, count: nameLength), as: UTF8.self)
        let v = String(decoding: UnsafeBufferPointer(start: value, count: valueLength), as: UTF8.self)
        switch n {
        case ":method": stream.method = v
        case ":path":
            if let q = v.firstIndex(of: "?") {
                stream.path = String(v[..<q])
                stream.query = String(v[v.index(after: q)...])
            } else {
                stream.path = v
            }
        case ":authority": stream.headers.add(name: "host", value: v)
        case ":scheme": break
        default: stream.headers.add(name: n, value: v)
        }
        return 0
    }

    private static let onData: nghttp2_on_data_chunk_recv_callback = { _, _, id, data, length, userData in
        let me = this(userData)
        guard let stream = me.streams[id] else { return 0 }
        if stream.body.count + length > me.config.maxBodyBytes {
            stream.tooLarge = true
        } else if let data {
            stream.body.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
        }
        return 0
    }

    private static let onFrame: nghttp2_on_frame_recv_callback = { _, frame, userData in
        guard let frame else { return 0 }
        let type = frame.pointee.hd.type
        guard type == UInt8(NGHTTP2_HEADERS.rawValue) || type == UInt8(NGHTTP2_DATA.rawValue),
              frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 else { return 0 }
        let me = this(userData)
        let id = frame.pointee.hd.stream_id
        if let stream = me.streams[id] { me.dispatch(id, stream) }
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, id, _, userData in
        this(userData).streams[id] = nil
        return 0
    }

    private static let readBody: nghttp2_data_source_read_callback = { _, id, buffer, length, flags, _, userData in
        guard let stream = this(userData).streams[id], let buffer else {
            flags?.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            return 0
        }
        let n = min(length, stream.response.count - stream.sent)
        if n > 0 {
            stream.response.withUnsafeBufferPointer { src in
                buffer.update(from: src.baseAddress! + stream.sent, count: n)
            }
        }
        stream.sent += n
        if stream.sent == stream.response.count { flags?.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue) }
        return n
    }
}
