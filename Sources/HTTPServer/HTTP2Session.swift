import CNghttp2
import Support

/// One HTTP/2 connection's protocol state (libnghttp2 1.52, server side). Bytes go in through
/// `receive`, frames come out through `send`; a request whose stream has ended goes, once the read
/// that ended it has been consumed, to the same dispatcher HTTP/1.1 uses, so a handler cannot tell
/// which protocol carried it. Streams whose handler answers later wait while the others go on.
///
/// Owned by one event loop thread, like its `Connection`. nghttp2 calls back into this object
/// through `user_data` (an unretained pointer: the connection keeps the session alive).
final class HTTP2Session {
    final class Stream {
        enum Phase {
            /// HEADERS and DATA are arriving.
            case receiving
            /// The body went over `maxBodyBytes`: answered 413 once the client ends the stream.
            case bodyTooLarge
            /// Its deferred handler is working.
            case awaitingHandler(PendingExchange)
            /// Its response is submitted and its body is being sent.
            case responding
            /// Answered before the client finished sending (408): once the response has gone, the
            /// stream is reset with NO_ERROR so the client stops sending (RFC 9113 §8.1).
            case respondingThenReset
            /// Reset by this side for a protocol error: its request is dropped.
            case refused
        }

        var phase = Phase.receiving
        var method = HTTPMethod.GET
        var path = ""
        var query = ""
        var headers = HTTPHeaders(reservingFields: 12, bytes: 256)
        var body: [UInt8] = []
        var headerBytes = 0
        var response: [UInt8] = []
        var sent = 0
        /// Sent after the body (gRPC's status), when there are any.
        var trailers: [(String, String)] = []
        /// When its HEADERS began, then when its response last moved (submitted, or a DATA chunk
        /// handed to nghttp2): the request and write-progress deadlines count from these.
        var startedMs: UInt64
        var lastWriteMs: UInt64 = 0

        init(nowMs: UInt64) { startedMs = nowMs }

        /// Still being received: not yet handed to the dispatcher.
        var isReceiving: Bool {
            switch phase {
            case .receiving, .bodyTooLarge: true
            default: false
            }
        }
    }

    static let host: StaticString = "host"

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
    private let dispatcher: RequestDispatcher
    /// The connection this session speaks for (which owns it).
    private unowned let connection: Connection
    private var shard: HTTPMetrics.Shard { dispatcher.shard }
    /// Every budget the connection is held to, beside the state they protect.
    private(set) var defences: HTTP2Defences
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
    /// The event loop's cached `Date:` header line, set before each batch of input.
    var date: [UInt8] = []

    init(config: HTTPServerConfig, router: Router, dispatcher: RequestDispatcher, connection: Connection,
         nowMs: UInt64) throws {
        self.config = config
        self.router = router
        self.dispatcher = dispatcher
        self.connection = connection
        self.nowMs = nowMs
        defences = HTTP2Defences(config, nowMs: nowMs)
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
        nghttp2_option_set_stream_reset_rate_limit(option, UInt64(defences.limits.rapidResetBurst),
                                                   UInt64(defences.limits.rapidResetRate))
        nghttp2_option_set_max_continuations(option, defences.limits.maxContinuations)
        let me = Unmanaged.passUnretained(self).toOpaque()
        guard nghttp2_session_server_new2(&session, callbacks, me, option) == 0 else {
            throw SystemError(call: "nghttp2_session_server_new2", errno: 12)
        }
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), value: UInt32(defences.limits.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(defences.maxHeaderListBytes)),
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
        guard defences.admit(bytes, nowMs: nowMs, scan: &scan) else {
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
            if let stream = streams[id], stream.isReceiving { dispatch(id, stream) }
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
                streams[id]?.phase = .refused  // its work is dropped, as for any reset stream
            } else {
                nghttp2_session_terminate_session(session, UInt32(NGHTTP2_PROTOCOL_ERROR.rawValue))
                return
            }
        }
    }

    /// Ends the session for abuse: GOAWAY ENHANCE_YOUR_CALM, no new stream is read.
    private func calmDown() {
        nghttp2_session_terminate_session(session, UInt32(NGHTTP2_ENHANCE_YOUR_CALM.rawValue))
    }

    /// The deadlines nghttp2 has no timers for, checked by the event loop's sweep. A stream whose
    /// response has not moved for `writeTimeoutMs` (a client that never opens its window) is
    /// reset with CANCEL; a request not complete within `bodyTimeoutMs` of its HEADERS gets 408.
    /// Returns false when the connection must close: SETTINGS unacknowledged (GOAWAY
    /// SETTINGS_TIMEOUT is queued).
    func checkDeadlines(nowMs: UInt64) -> Bool {
        self.nowMs = nowMs
        if defences.settingsOverdue(nowMs: nowMs) {
            shard.h2SettingsTimeouts.add(1, ordering: .relaxed)
            nghttp2_session_terminate_session(session, UInt32(NGHTTP2_SETTINGS_TIMEOUT.rawValue))
            return false
        }
        for (id, stream) in streams {
            switch stream.phase {
            case .receiving, .bodyTooLarge:
                guard nowMs - stream.startedMs >= UInt64(config.bodyTimeoutMs) else { continue }
                shard.h2RequestTimeouts.add(1, ordering: .relaxed)
                dispatch(id, stream, instead: .detail(.requestTimeout, "Request not complete within \(config.bodyTimeoutMs) ms"))
            case .responding, .respondingThenReset, .refused:
                guard nowMs - stream.lastWriteMs >= UInt64(config.writeTimeoutMs) else { continue }
                shard.h2StreamWriteTimeouts.add(1, ordering: .relaxed)
                nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, UInt32(NGHTTP2_CANCEL.rawValue))
                stream.lastWriteMs = nowMs  // reset once; the stream closes when the RST is sent
            case .awaitingHandler:
                continue  // the request is complete; its handler's answer is awaited
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

    /// Hands a complete stream to the dispatcher, or answers it with `instead` (a limit's error).
    private func dispatch(_ id: Int32, _ stream: Stream, instead: HTTPResponse? = nil) {
        let tooLarge = if case .bodyTooLarge = stream.phase { true } else { false }
        var request = HTTPRequest(method: stream.method, path: stream.path, query: stream.query, version: HTTPVersion(2, 0),
                                  headers: stream.headers, body: stream.body)
        request.receivedMs = stream.startedMs
        let limit = instead ?? (tooLarge ? HTTPResponse.detail(.contentTooLarge, "Request body larger than \(config.maxBodyBytes) bytes") : nil)
        stream.lastWriteMs = nowMs
        var record = dispatcher.begin(&request, wire: .http2)
        switch dispatcher.dispatch(request, &record, router: router, connection: connection, streamID: id,
                                   framing: .http2, limit: limit) {
        case .answered(let response):
            respond(id, stream, response, record, thenReset: instead != nil)
        case .waiting(let exchange):
            stream.phase = .awaitingHandler(exchange)
        }
    }

    /// A deferred handler's answer; counted only when its stream has gone meanwhile.
    func answer(_ exchange: PendingExchange, _ response: HTTPResponse) {
        guard let stream = streams[exchange.streamID], case .awaitingHandler(let waiting) = stream.phase,
              waiting === exchange else {
            dispatcher.finishUnsent(exchange)
            return
        }
        exchange.markAnswered()
        respond(exchange.streamID, stream, response, exchange.record, thenReset: false)
    }

    private func respond(_ id: Int32, _ stream: Stream, _ response: HTTPResponse, _ record: RequestRecord, thenReset: Bool) {
        stream.phase = thenReset ? .respondingThenReset : .responding
        stream.lastWriteMs = nowMs
        stream.response = stream.method == .HEAD ? [] : response.body
        stream.trailers = response.trailers
        submit(id, response, tags: record.tags)
        dispatcher.finish(record, status: response.reportedStatus ?? response.status, bytesOut: response.body.count)
    }

    /// The connection is closing: streams whose handler still works will not be answered.
    func abandonAll() {
        for stream in streams.values {
            if case .awaitingHandler(let exchange) = stream.phase { exchange.abandon() }
        }
    }

    private func submit(_ id: Int32, _ response: HTTPResponse, tags: RequestTags) {
        var fields = HTTP2HeaderList()
        fields.add(":status") { ResponseEncoder.appendDecimal(response.status.code, into: &$0) }
        if !config.identity.serverHeader.isEmpty { fields.add("server") { $0 += config.identity.serverHeader.utf8 } }
        // The event loop's cached "Date: …\r\n" line.
        if date.count > 8 { fields.add("date") { $0 += date[6..<(date.count - 2)] } }
        if !response.contentType.isEmpty { fields.add("content-type") { $0 += response.contentType.utf8 } }
        if response.trailers.isEmpty {
            fields.add("content-length") { ResponseEncoder.appendDecimal(response.body.count, into: &$0) }
        }
        fields.add("x-request-id") { tags.appendID(into: &$0) }
        if !tags.traceparent.isEmpty { fields.add("traceparent") { $0 += tags.traceparent.utf8 } }
        for (name, value) in response.headers { fields.add(name.lowercased(), value) }
        // Trailers and no body: one HEADERS frame ends the stream (gRPC's Trailers-Only).
        if !response.trailers.isEmpty && response.body.isEmpty {
            for (name, value) in response.trailers { fields.add(name, value) }
            fields.withNV { _ = nghttp2_submit_response(session, id, $0, $1, nil) }
            return
        }
        var provider = nghttp2_data_provider()
        provider.read_callback = HTTP2Session.readBody
        fields.withNV { _ = nghttp2_submit_response(session, id, $0, $1, &provider) }
    }

    /// Queues a stream's trailers after its last DATA frame (called from `readBody`).
    private func submitTrailers(_ id: Int32, _ trailers: [(String, String)]) {
        var fields = HTTP2HeaderList()
        for (name, value) in trailers { fields.add(name, value) }
        fields.withNV { _ = nghttp2_submit_trailer(session, id, $0, $1) }
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
        if me.defences.beginStream() {
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
        if me.defences.headerListExceeded(bytes: stream.headerBytes, count: stream.headers.count) {
            // Over the SETTINGS_MAX_HEADER_LIST_SIZE we advertised (nghttp2 does not enforce it): the
            // client ignores our settings (an HPACK bomb, a CONTINUATION flood). Refuse the stream and
            // end the connection with ENHANCE_YOUR_CALM, as nginx does, before decoding any more.
            me.shard.h2HeaderLimitCloses.add(1, ordering: .relaxed)
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
        // Compared and split as bytes: a Character search through the path cost more than the rest.
        if HTTPHeaders.equalsIgnoringCase(n, ":method") {
            stream.method = HTTPMethod(value)
        } else if HTTPHeaders.equalsIgnoringCase(n, ":path") {
            if let q = value.firstIndex(of: UInt8(ascii: "?")) {
                stream.path = String(decoding: value[..<q], as: UTF8.self)
                stream.query = String(decoding: value[(q + 1)...], as: UTF8.self)
            } else {
                stream.path = String(decoding: value, as: UTF8.self)
            }
        } else if HTTPHeaders.equalsIgnoringCase(n, ":authority") {
            stream.headers.add(name: UnsafeRawBufferPointer(start: HTTP2Session.host.utf8Start, count: 4), value: value)
        }
        return 0
    }

    private static let onData: nghttp2_on_data_chunk_recv_callback = { _, _, id, data, length, userData in
        let me = this(userData)
        guard let stream = me.streams[id] else { return 0 }
        if stream.body.count + length > me.config.maxBodyBytes {
            stream.phase = .bodyTooLarge
        } else if let data {
            stream.body.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
        }
        return 0
    }

    private static let onFrame: nghttp2_on_frame_recv_callback = { _, frame, userData in
        guard let frame else { return 0 }
        let type = frame.pointee.hd.type, flags = frame.pointee.hd.flags
        if type == UInt8(NGHTTP2_SETTINGS.rawValue) && flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0 {
            this(userData).defences.settingsAcknowledged()
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
               case .respondingThenReset? = me.streams[id]?.phase {
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
        if !me.defences.chargeServerReset(nowMs: me.nowMs) {
            me.shard.h2ServerResetCloses.add(1, ordering: .relaxed)
            me.calmDown()
        }
        return 0
    }

    private static let onStreamClose: nghttp2_on_stream_close_callback = { _, id, _, userData in
        let me = this(userData)
        if case .awaitingHandler(let exchange)? = me.streams[id]?.phase { exchange.abandon() }
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
        if stream.sent == stream.response.count {
            flags?.pointee |= UInt32(NGHTTP2_DATA_FLAG_EOF.rawValue)
            if !stream.trailers.isEmpty {
                flags?.pointee |= UInt32(NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue)
                this(userData).submitTrailers(id, stream.trailers)
            }
        }
        return n
    }
}
