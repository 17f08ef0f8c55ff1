/// Reads the HTTP/2 frame headers in the byte stream before nghttp2 does, and charges the frames that
/// cost the server work without asking for any (DESIGN.md §3; nghttp2 1.52 lacks the later "glitch"
/// limiter): empty DATA without END_STREAM, PRIORITY, PING, SETTINGS, WINDOW_UPDATE, RST_STREAM and
/// unknown frame types. Each draws a token from a `TokenBucket` of `burst` tokens refilled at `perSecond`;
/// an empty bucket means GOAWAY ENHANCE_YOUR_CALM and close.
struct HTTP2FloodGuard {
    /// Frame types as they appear on the wire (RFC 9113 §6).
    enum FrameType: UInt8 {
        case data = 0, headers, priority, rstStream, settings, pushPromise, ping, goaway, windowUpdate, continuation
    }

    private var budget: TokenBucket
    static let maxFrameSize = 16_384
    /// Bytes of the client preface still to skip, then of the current frame's payload.
    private var skip = HTTP2Session.preface.count
    private var header: [UInt8] = []
    /// A PRIORITY frame whose stream dependency is being read: its stream, and the bytes read.
    private var dependencyOf: Int32?
    private var dependency: UInt32 = 0
    private var dependencyBytes = 0
    /// The frame type that emptied the bucket, for the counter and the log.
    private(set) var exceededBy: String?

    init(burst: Int, perSecond: Int, nowMs: UInt64) {
        budget = TokenBucket(burst: burst, perSecond: perSecond, nowMs: nowMs)
    }

    /// What one read holds besides its cost: where each DATA frame starts (offset in the read, at
    /// least 0, and its stream), and whether the client reset a stream in it.
    struct Scan {
        var dataFrames: [(offset: Int, stream: Int32)] = []
        var sawReset = false
        /// A frame longer than SETTINGS_MAX_FRAME_SIZE (we keep the default 16384), which nghttp2
        /// lets through for CONTINUATION: FRAME_SIZE_ERROR (RFC 9113 §4.2).
        var oversized = false
        /// Streams a PRIORITY frame made depend on themselves: PROTOCOL_ERROR (RFC 9113 §5.3.1),
        /// which nghttp2 leaves unchecked once priorities are off (NO_RFC7540_PRIORITIES); it still
        /// checks HEADERS that depend on their own stream.
        var selfDependent: [Int32] = []

        mutating func clear() {
            dataFrames.removeAll(keepingCapacity: true)
            sawReset = false
            oversized = false
            selfDependent.removeAll(keepingCapacity: true)
        }
    }

    /// Scans `bytes`; false once the budget is exhausted (then `exceededBy` says by what).
    mutating func admit(_ bytes: UnsafeRawBufferPointer, nowMs: UInt64, scan: inout Scan) -> Bool {
        budget.refill(nowMs: nowMs)
        var i = 0
        while i < bytes.count {
            if skip > 0 {
                if dependencyOf != nil {
                    readDependency(bytes[i], scan: &scan)
                    skip -= 1
                    i += 1
                    continue
                }
                let n = min(skip, bytes.count - i)
                skip -= n
                i += n
                continue
            }
            header.append(bytes[i])
            i += 1
            guard header.count == 9 else { continue }
            let length = Int(header[0]) << 16 | Int(header[1]) << 8 | Int(header[2])
            let type = header[3], flags = header[4]
            let streamID = Int32(header[5] & 0x7f) << 24 | Int32(header[6]) << 16 | Int32(header[7]) << 8 | Int32(header[8])
            if type == FrameType.data.rawValue {
                scan.dataFrames.append((max(0, i - 9), streamID))
            } else if type == FrameType.rstStream.rawValue {
                scan.sawReset = true
            }
            if length > HTTP2FloodGuard.maxFrameSize { scan.oversized = true }
            if type == FrameType.priority.rawValue && length == 5 && streamID != 0 {
                dependencyOf = streamID
                dependency = 0
                dependencyBytes = 0
            }
            header.removeAll(keepingCapacity: true)
            skip = length
            if let costly = HTTP2FloodGuard.costly(type: type, flags: flags, length: length) {
                guard budget.take() else {
                    exceededBy = costly
                    return false
                }
            }
        }
        return true
    }

    /// One byte of a PRIORITY frame's stream dependency; after the fourth, a self-dependency is noted.
    private mutating func readDependency(_ byte: UInt8, scan: inout Scan) {
        dependency = dependency << 8 | UInt32(byte)
        dependencyBytes += 1
        guard dependencyBytes == 4, let stream = dependencyOf else { return }
        if Int32(bitPattern: dependency & 0x7fff_ffff) == stream { scan.selfDependent.append(stream) }
        dependencyOf = nil
    }

    /// The name of a frame that asks for no response, or nil for one that does useful work.
    static func costly(type: UInt8, flags: UInt8, length: Int) -> String? {
        guard let known = FrameType(rawValue: type) else { return "unknown" }
        switch known {
        case .data: return length == 0 && flags & 0x1 == 0 ? "empty_data" : nil  // END_STREAM is 0x1
        case .priority: return "priority"
        case .rstStream: return "rst_stream"
        case .settings: return flags & 0x1 == 0 ? "settings" : nil  // an ACK answers ours
        case .ping: return flags & 0x1 == 0 ? "ping" : nil
        case .windowUpdate: return "window_update"
        case .headers, .pushPromise, .goaway, .continuation: return nil
        }
    }
}
