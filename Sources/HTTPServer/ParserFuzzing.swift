/// The HTTP/1.1 parser as a connection drives it, for the fuzz target (Fuzz/FuzzHTTP1): not API.
@_spi(Fuzzing)
public enum HTTP1Fuzzing {
    /// Feeds `input` to a parser with the server's default limits, the first `split` bytes first
    /// (as if they arrived in one read), then everything; each complete request is taken and its
    /// storage recycled, as `Connection` does. Returns the requests parsed. Traps if the parser
    /// claims more bytes than it was given.
    public static func run(_ input: UnsafeRawBufferPointer, split: Int) -> Int {
        let d = HTTPServerConfig()
        var parser = HTTP1Parser(limits: .init(maxHeaderBytes: d.maxHeaderBytes, maxHeaderCount: d.maxHeaderCount,
                                               maxURIBytes: d.maxURIBytes, maxBodyBytes: 64 * 1024))
        var start = 0, requests = 0
        var available = min(max(split, 0), input.count)
        while start < input.count {
            switch parser.parse(UnsafeRawBufferPointer(rebasing: input[start..<max(available, start)])) {
            case .needMore:
                guard available < input.count else { return requests }
                available = input.count
            case .request(_, let consumed):
                precondition(consumed > 0 && start + consumed <= available, "the parser consumed bytes it was not given")
                var request = parser.takeRequest()
                parser.recycle(&request)
                start += consumed
                requests += 1
            case .error:
                return requests
            }
        }
        return requests
    }
}

/// The HTTP/2 frame scanner that guards a connection before nghttp2 sees its bytes, for the fuzz
/// target (Fuzz/FuzzHTTP2Frames): not API.
@_spi(Fuzzing)
public enum HTTP2Fuzzing {
    /// Feeds `input` (after the preface nghttp2 would have read) to the flood guard in reads of
    /// `chunk` bytes, as a connection's reads arrive. Returns how many reads it admitted; traps if
    /// a frame it reports lies outside its read.
    public static func run(_ input: UnsafeRawBufferPointer, chunk: Int) -> Int {
        var defences = HTTP2Defences(HTTPServerConfig(), nowMs: 0)
        var scan = HTTP2FloodGuard.Scan()
        let step = max(chunk, 1)
        var start = 0, admitted = 0, now: UInt64 = 0
        while start < input.count {
            let end = min(start + step, input.count)
            let read = UnsafeRawBufferPointer(rebasing: input[start..<end])
            scan.clear()
            guard defences.admit(read, nowMs: now, scan: &scan) else { return admitted }
            for frame in scan.dataFrames { precondition(frame.offset >= 0 && frame.offset <= read.count, "frame outside its read") }
            admitted += 1
            start = end
            now += 1
        }
        return admitted
    }
}
