/// The budgets one HTTP/2 connection is held to beyond the limits it shares with HTTP/1.1 (header
/// bytes and count, requests per connection). Each has a default, a knob in `fraudscore serve` and a
/// test that trips it.
public struct HTTP2Limits: Sendable {
    /// Frames that ask for no response (empty DATA, PRIORITY, PING, SETTINGS, WINDOW_UPDATE,
    /// RST_STREAM, unknown types) a connection may send at once, and per second after that; beyond,
    /// GOAWAY ENHANCE_YOUR_CALM and close.
    public var floodBurst = 1_000
    public var floodRate = 100
    /// RST_STREAM frames the server may send on a connection at once, and per second after that (each
    /// answers a client frame that broke a stream: MadeYouReset); beyond, ENHANCE_YOUR_CALM.
    public var serverResetBurst = 100
    public var serverResetRate = 10
    /// Streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams = 100
    /// The client must acknowledge the server's SETTINGS within this (GOAWAY SETTINGS_TIMEOUT).
    public var settingsAckTimeoutMs = 10_000
    /// nghttp2's own Rapid Reset limiter (backported to Debian's 1.52): burst and rate per second.
    public var rapidResetBurst = 1_000
    public var rapidResetRate = 33
    /// nghttp2's CONTINUATION frames per header block.
    public var maxContinuations = 8

    public init() {}
}
