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
