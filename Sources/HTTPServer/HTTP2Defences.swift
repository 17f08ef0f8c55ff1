/// Every budget one HTTP/2 connection is held to, beside the counters they keep (as h2o keeps its DoS
/// counters beside its connection states): the defences nghttp2 1.52 lacks (DESIGN.md §3) and the
/// limits it is configured with. Which one tripped decides the GOAWAY code and the metric.
struct HTTP2Defences {
    /// Why the connection was cut off (GOAWAY ENHANCE_YOUR_CALM, or SETTINGS_TIMEOUT).
    enum Trip {
        case flood, headerList, serverResets, settingsTimeout
    }

    let limits: HTTP2Limits
    /// SETTINGS_MAX_HEADER_LIST_SIZE we advertise, and enforce (nghttp2 does not).
    let maxHeaderListBytes: Int
    let maxHeaderCount: Int
    /// Streams on one connection; the last one gets GOAWAY NO_ERROR (as HTTP/1.1's `Connection: close`).
    let maxStreams: Int
    /// Frames that ask for no response (empty DATA, PRIORITY, PING, SETTINGS, WINDOW_UPDATE,
    /// RST_STREAM, unknown types).
    var floodGuard: HTTP2FloodGuard
    /// RST_STREAM frames this side sends (MadeYouReset: client frames that provoke stream errors).
    private var serverResets: TokenBucket
    /// Our SETTINGS must be acknowledged within `settingsAckTimeoutMs` of the preface.
    private let settingsSentMs: UInt64
    private(set) var settingsAcked = false
    private var streamsBegun = 0
    private(set) var tripped: Trip?

    init(_ config: HTTPServerConfig, nowMs: UInt64) {
        let limits = config.http2
        self.limits = limits
        maxHeaderListBytes = config.maxHeaderBytes
        maxHeaderCount = config.maxHeaderCount
        maxStreams = config.maxRequestsPerConnection
        floodGuard = HTTP2FloodGuard(burst: limits.floodBurst, perSecond: limits.floodRate, nowMs: nowMs)
        serverResets = TokenBucket(burst: limits.serverResetBurst, perSecond: limits.serverResetRate, nowMs: nowMs)
        settingsSentMs = nowMs
    }

    /// Charges one read's frames; false (and tripped) when the flood budget is spent.
    mutating func admit(_ bytes: UnsafeRawBufferPointer, nowMs: UInt64, scan: inout HTTP2FloodGuard.Scan) -> Bool {
        guard floodGuard.admit(bytes, nowMs: nowMs, scan: &scan) else {
            tripped = .flood
            return false
        }
        return true
    }

    /// Counts a new stream; true when it is the last one the connection may carry.
    mutating func beginStream() -> Bool {
        streamsBegun += 1
        return streamsBegun == maxStreams
    }

    /// A header list past what we advertised: the client ignores our settings (an HPACK bomb, a
    /// CONTINUATION flood). Trips when `bytes` (RFC 9113's size: name + value + 32 per field) or
    /// `count` is over the limit.
    mutating func headerListExceeded(bytes: Int, count: Int) -> Bool {
        guard bytes > maxHeaderListBytes || count >= maxHeaderCount else { return false }
        tripped = .headerList
        return true
    }

    /// Charges a reset this side sends for a client's stream error; false (and tripped) when over budget.
    mutating func chargeServerReset(nowMs: UInt64) -> Bool {
        serverResets.refill(nowMs: nowMs)
        guard serverResets.take() || tripped != nil else {
            tripped = .serverResets
            return false
        }
        return true
    }

    mutating func settingsAcknowledged() { settingsAcked = true }

    /// True (and tripped) once our SETTINGS have waited too long for their acknowledgement.
    mutating func settingsOverdue(nowMs: UInt64) -> Bool {
        guard !settingsAcked, nowMs - settingsSentMs >= UInt64(limits.settingsAckTimeoutMs) else { return false }
        tripped = .settingsTimeout
        return true
    }
}
