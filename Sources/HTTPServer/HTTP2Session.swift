import CNghttp2

/// One HTTP/2 connection's protocol state (libnghttp2 1.52, server side). Bytes go in through
/// `receive`, frames come out through `send`; a request whose stream has ended is answered, once the
/// read that ended it has been consumed, by the same router HTTP/1.1 uses, so a handler cannot tell
/// which protocol carried it.
///
/// Owned by one event loop thread, like its `Connection`. nghttp2 calls back into this object
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
        /// When its HEADERS began, then when its response last moved (submitted, or a DATA chunk
        /// handed to nghttp2): the request and write-progress deadlines count from these.
        var startedMs: UInt64
        var lastWriteMs: UInt64 = 0
        var dispatched = false
        /// Answered before the client finished sending (408): once the response has gone, the
        /// stream is reset with NO_ERROR so the client stops sending (RFC 9113 §8.1).
        var abortAfterResponse = false

        init(nowMs: UInt64) { startedMs = nowMs }
    }

    /// The client connection preface that starts every HTTP/2 connection with prior knowledge.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// GOAWAY (last stream 0, PROTOCOL_ERROR), for a connection that fails before nghttp2 has one.
    static let goawayProtocolError: [UInt8] = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]

    /// Whether `bytes` begin with the preface's request line, "PRI * HTTP/2.0", which no HTTP/1.1
    /// request has: the peer meant HTTP/2.
    static func startsLikePreface(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count >= 14 && bytes.prefix(14).elementsEqual(preface.prefix(14))
    }

    private var session: OpaquePointer?
    private var streams: [Int32: Stream] = [:]
    private let config: HTTPServerConfig
    private let router: Router
    private let metrics: HTTPMetrics
    private let shard: HTTPMetrics.Shard
    private let tagger: RequestTagger
    // The defences nghttp2 1.52 lacks (DESIGN.md §3), next to the state they protect.
    private var floodGuard: HTTP2FloodGuard
    /// RST_STREAM frames this side sends (MadeYouReset: client frames that provoke stream errors).
    private var serverResets: TokenBucket
    /// Our SETTINGS must be acknowledged within `http2SettingsAckTimeoutMs` of the preface.
    private let settingsSentMs: UInt64
    private var settingsAcked = false
    private var streamsBegun = 0
    /// Streams whose request ended during the current `receive`: answered once nghttp2 has
    /// consumed the whole read, so a stream the same read also resets costs nothing.
    private var ready: [Int32] = []
    /// Recently closed streams, and whether this side reset them: nghttp2 forgets closed streams
    /// when RFC 7540 priorities are off, so RFC 9113 §5.1's STREAM_CLOSED rule is kept here.
    private var closed: [Int32: Bool] = [:]
    /// The remembered ids, oldest first from `closedNext` once full (a ring: no shifting per close).
    private var closedOrder: [Int32] = []
    private var closedNext = 0
    /// The current read's DATA frames and resets, from the flood guard's scan.
    private var scan = HTTP2FloodGuard.Scan()
    static let closedRemembered = 128
    /// The time of the current `receive` (callbacks have no clock of their own).
    private var nowMs: UInt64
    /// Set when this side ended the session with ENHANCE_YOUR_CALM or SETTINGS_TIMEOUT.
    private(set) var cutOff = false
    /// The event loop's cached `Date:` header line, set before each batch of input.
    var date: [UInt8] = []

    init(config: HTTPServerConfig, router: Router, metrics: HTTPMetrics, shard: HTTPMetrics.Shard,
         tagger: RequestTagger, nowMs: UInt64) throws {
        self.config = config
        self.router = router
        self.metrics = metrics
        self.shard = shard
        self.tagger = tagger
        self.nowMs = nowMs
        settingsSentMs = nowMs
        floodGuard = HTTP2FloodGuard(burst: config.http2FloodBurst, perSecond: config.http2FloodRate, nowMs: nowMs)
        serverResets = TokenBucket(burst: config.http2ServerResetBurst, perSecond: config.http2ServerResetRate,
                                   nowMs: nowMs)
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
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, HTTP2Session.onFrameSend)
        nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks, HTTP2Session.onBeginFrame)
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
        self.nowMs = nowMs
        scan.clear()
        guard floodGuard.admit(bytes, nowMs: nowMs, scan: &scan) else {
            shard.h2FloodCloses.add(1, ordering: .relaxed)
            calmDown()
            return false
        }
        if scan.oversized {
            nghttp2_session_terminate_session(session, UInt32(NGHTTP2_FRAME_SIZE_ERROR.rawValue))
            return true
        }
        // nghttp2 drops DATA on a closed stream unseen, so such a frame is caught here (RFC 9113
        // §5.1: STREAM_CLOSED, unless this side reset the stream). Within one read a stream can
        // only become closed by the client's RST_STREAM: only then is the read fed frame by frame.
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var fed = 0, n = 0
        for (offset, id) in scan.dataFrames where scan.sawReset || closed[id] == false {
            if offset > fed { n = nghttp2_session_mem_recv(session, base + fed, offset - fed) }
            fed = offset
            if n < 0 { break }
            if closed[id] == false {
                nghttp2_session_terminate_session(session, UInt32(NGHTTP2_STREAM_CLOSED.rawValue))
                fed = bytes.count
                break
            }
        }
        if n >= 0 && fed < bytes.count { n = nghttp2_session_mem_recv(session, base + fed, bytes.count - fed) }
        if n >= 0 && !scan.selfDependent.isEmpty { refuseSelfDependencies() }
        for id in ready {
            if let stream = streams[id], !stream.dispatched { dispatch(id, stream) }
        }
        ready.removeAll(keepingCapacity: true)
        return n >= 0
    }

    /// A stream a PRIORITY frame made depend on itself is a stream error PROTOCOL_ERROR (RFC 9113 §5.3.1): an open
    /// request stream is reset and not answered; for a stream that is not open (idle or closed),
    /// where RST_STREAM may not be sent (§5.1), the error is the connection's.
    private func refuseSelfDependencies() {
        for id in scan.selfDependent {
            if streams[id] != nil {
                nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
                ready.removeAll { $0 == id }
                streams[id]?.dispatched = true  // its work is dropped, as for any reset stream
            } else {
                nghttp2_session_terminate_session(session, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
                return
            }
        }
    }

    /// Ends the session for abuse: GOAWAY ENHANCE_YOUR_CALM, no new stream is read.
    private func calmDown() {
        cutOff = true
        nghttp2_session_terminate_session(session, UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue))
    }

    /// The deadlines nghttp2 has no timers for, checked by the event loop's sweep. A stream whose
    /// response has not moved for `writeTimeoutMs` (a client that never opens its window) is
    /// reset with CANCEL; a request not complete within `bodyTimeoutMs` of its HEADERS gets 408.
    /// Returns false when the connection must close: SETTINGS unacknowledged (GOAWAY
    /// SETTINGS_TIMEOUT is queued).
    func checkDeadlines(nowMs: UInt64) -> Bool {
        self.nowMs = nowMs
        if !settingsAcked && nowMs - settingsSentMs >= UInt64(config.http2SettingsAckTimeoutMs) {
            shard.h2SettingsTimeouts.add(1, ordering: .relaxed)
            cutOff = true
            nghttp2_session_terminate_session(session, UInt32(NGHTTP2_SETTINGS_TIMEOUT.rawValue))
            return false
        }
        for (id, stream) in streams {
            if stream.dispatched {
                if nowMs - stream.lastWriteMs >= UInt64(config.writeTimeoutMs) {
                    shard.h2StreamWriteTimeouts.add(1, ordering: .relaxed)
                    nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id,
                                              UInt32(NGHTTP2_CANCEL.rawValue))
                    stream.lastWriteMs = nowMs  // reset once; the stream closes when the RST is sent
                }
            } else if nowMs - stream.startedMs >= UInt64(config.bodyTimeoutMs) {
                shard.h2RequestTimeouts.add(1, ordering: .relaxed)
                stream.abortAfterResponse = true
                dispatch(id, stream, instead: .detail(408, "Request not complete within \(config.bodyTimeoutMs) ms"))
            }
        }
        return true
    }

    /// Records a closed stream (the first reason wins: a reset sent here precedes the close).
    private func rememberClosed(_ id: Int32, resetHere: Bool) {
        guard closed[id] == nil else { return }
        closed[id] = resetHere
        if closedOrder.count < HTTP2Session.closedRemembered {
            closedOrder.append(id)
        } else {
            closed[closedOrder[closedNext]] = nil
            closedOrder[closedNext] = id
            closedNext = (closedNext + 1) % HTTP2Session.closedRemembered
        }
    }

    /// Streams open now (requests being received, or responses not yet fully sent).
    var hasStreams: Bool { !streams.isEmpty }

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

    /// Answers a stream: through the router, or with `instead` (a limit's error).
    private func dispatch(_ id: Int32, _ stream: Stream, instead: HTTPResponse? = nil) {
        stream.dispatched = true
        stream.lastWriteMs = nowMs
        let request = HTTPRequest(method: stream.method, path: stream.path, query: stream.query, version: (2, 0),
                                  headers: stream.headers, body: stream.body)
        let started = HTTPMetrics.now()
        shard.inFlight.add(1, ordering: .relaxed)
        let tags = tagger.tags(for: stream.headers)
        let limit = instead ?? (stream.tooLarge
            ? HTTPResponse.detail(413, "Request body larger than \(config.maxBodyBytes) bytes") : nil)
        let (response, route) = limit.map { ($0, "none") } ?? router.route(request)
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
        if !tags.traceparent.isEmpty { add("traceparent") { $0 += tags.traceparent.utf8 } }
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
        let me = this(userData)
        let id = frame.pointee.hd.stream_id
        me.streams[id] = Stream(nowMs: me.nowMs)
        me.streamsBegun += 1
        if me.streamsBegun == me.config.maxRequestsPerConnection {
            // As HTTP/1.1's `Connection: close`: this stream is the last; the client opens a new
            // connection for more (streams with higher ids are ignored from here on).
            nghttp2_submit_goaway(me.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id,
                                  UInt32(NGHTTP2_NO_ERROR.rawValue), nil, 0)
        }
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
        let n = UnsafeRawBufferPointer(start: name, count: nameLength)
        let value = UnsafeRawBufferPointer(start: value, count: valueLength)
        // Regular fields go in as bytes; only the pseudo-headers become Strings.
        guard nameLength > 0, n[0] == UInt8(ascii: ":") else {
            stream.headers.add(name: n, value: value)
            return 0
        }
        let v = String(decoding: value, as: UTF8.self)
        switch String(decoding: n, as: UTF8.self) {
        case ":method": stream.method = v
        case ":path":
            if let q = v.firstIndex(of: "?") {
                stream.path = String(v[..<q])
                stream.query = String(v[v.index(after: q)...])
            } else {
                stream.path = v
            }
        case ":authority": stream.headers.add(name: "host", value: v)
        default: break
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
        let type = frame.pointee.hd.type, flags = frame.pointee.hd.flags
        if type == UInt8(NGHTTP2_SETTINGS.rawValue) && flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 {
            this(userData).settingsAcked = true
            return 0
        }
        guard type == UInt8(NGHTTP2_HEADERS.rawValue) || type == UInt8(NGHTTP2_DATA.rawValue),
              flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 else { return 0 }
        let me = this(userData)
        if me.streams[frame.pointee.hd.stream_id] != nil { me.ready.append(frame.pointee.hd.stream_id) }
        return 0
    }

    /// Charges the resets a client provoked (nghttp2's stream errors; not our own CANCEL or
    /// NO_ERROR), and ends a stream answered early once its response is out.
    private static let onFrameSend: nghttp2_on_frame_send_callback = { _, frame, userData in
        guard let frame else { return 0 }
        let me = this(userData)
        let type = frame.pointee.hd.type, id = frame.pointee.hd.stream_id
        if type == UInt8(NGHTTP2_DATA.rawValue) || type == UInt8(NGHTTP2_HEADERS.rawValue) {
            if frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0,
               me.streams[id]?.abortAfterResponse == true {
                nghttp2_submit_rst_stream(me.session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id,
                                          UInt32(NGHTTP2_NO_ERROR.rawValue))
            }
            return 0
        }
        guard type == UInt8(NGHTTP2_RST_STREAM.rawValue) else { return 0 }
        me.rememberClosed(id, resetHere: true)
        let code = frame.pointee.rst_stream.error_code
        guard code != UInt32(NGHTTP2_NO_ERROR.rawValue),
              code != UInt32(NGHTTP2_CANCEL.rawValue) else { return 0 }
        me.serverResets.refill(nowMs: me.nowMs)
        if !me.serverResets.take() && !me.cutOff {
            me.shard.h2ServerResetCloses.add(1, ordering: .relaxed)
            me.calmDown()
        }
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, id, _, userData in
        let me = this(userData)
        me.streams[id] = nil
        me.rememberClosed(id, resetHere: false)
        return 0
    }

    /// Frame checks nghttp2 skips with RFC 7540 priorities off (RFC 9113 §5.1, §6.3): DATA or
    /// HEADERS on a stream the client ended or reset is a connection error STREAM_CLOSED (on one
    /// this side reset, it is discarded: the client may have sent it before seeing the reset); a
    /// HEADERS that reuses a lower id never opened, and PRIORITY on stream 0, are PROTOCOL_ERROR.
    private static let onBeginFrame: nghttp2_on_begin_frame_callback = { _, hd, userData in
        guard let hd else { return 0 }
        let me = this(userData)
        let type = hd.pointee.type, id = hd.pointee.stream_id
        if type == UInt8(NGHTTP2_PRIORITY.rawValue) && id == 0 {
            nghttp2_session_terminate_session(me.session, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
            return 0
        }
        guard type == UInt8(NGHTTP2_DATA.rawValue) || type == UInt8(NGHTTP2_HEADERS.rawValue), id & 1 == 1,
              id <= nghttp2_session_get_last_proc_stream_id(me.session),
              nghttp2_session_find_stream(me.session, id) == nil else { return 0 }
        switch me.closed[id] {
        case false?:
            nghttp2_session_terminate_session(me.session, UInt32(NGHTTP2_STREAM_CLOSED.rawValue))
        case nil where type == UInt8(NGHTTP2_HEADERS.rawValue) && me.closedOrder.count < closedRemembered:
            nghttp2_session_terminate_session(me.session, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
        default:
            break
        }
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
        stream.lastWriteMs = this(userData).nowMs
        if stream.sent == stream.response.count { flags?.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue) }
        return n
    }
}
