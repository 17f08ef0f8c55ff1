#if canImport(Glibc)
import Glibc
#endif

/// An incremental HTTP/1.1 request parser (RFC 9112) with strict framing.
///
/// Feed it the unconsumed bytes of a connection each time more arrive; it remembers how far it has
/// scanned and tells how many bytes a finished step consumed. Anything ambiguous that could be used
/// for request smuggling (bare CR or LF, obs-fold, whitespace before the colon, CL with TE, differing
/// Content-Lengths, a Transfer-Encoding other than exactly `chunked`) is an error that closes the connection.
struct HTTP1Parser {
    /// What one call to `parse` found.
    enum Event {
        /// More bytes are needed. `sendContinue` is true once, when a complete head asked
        /// `Expect: 100-continue` and its body has not arrived yet.
        case needMore(sendContinue: Bool)
        /// A whole request, for `takeRequest()`; `consumed` bytes of the input belong to it.
        /// (The request itself is not in the event: moving it out once is cheaper than copying
        /// an enum payload of strings and arrays through every switch.)
        case request(keepAlive: Bool, consumed: Int)
        /// The input is not an acceptable request: answer `status` and close.
        case error(status: HTTPStatus, message: String)
    }

    struct Limits {
        var maxHeaderBytes: Int
        var maxHeaderCount: Int
        var maxURIBytes: Int
        var maxBodyBytes: Int
    }

    private enum Framing { case none, length(Int), chunked }

    private enum ChunkState {
        case size, data(remaining: Int), dataEnd, trailer
    }

    /// A parsed head: the request, how its body is framed, what its fields said about the
    /// connection, and how many bytes it took. Stored in place (not an Optional): the request
    /// moves out by a swap, with no copy of the head.
    private struct Head {
        var request = HTTPRequest(method: .GET, path: "")
        var framing = Framing.none
        var keepAlive = false
        var expectContinue = false
        var length = 0
    }

    let limits: Limits
    /// Bytes of the current head already scanned for its end.
    private var scanned = 0
    /// The offsets, in the input, of the current head's line ends (LF) found so far: its lines are
    /// found once, by the scan for its end, not again by the field parser.
    /// Room for the request line and `maxHeaderCount` fields.
    private let lineEnds: LineEnds
    private var head = Head()
    /// `head` holds the current request's parsed head.
    private var headParsed = false
    private var continueSent = false
    // Chunked body state; `bodyConsumed` counts input bytes already decoded into `body`.
    private var chunkState = ChunkState.size
    private var body: [UInt8] = []
    private var bodyConsumed = 0
    /// Storage of answered requests, reused by the next: no allocation per request on a keep-alive
    /// connection (see `recycle`).
    private var spareHeaders = HTTPHeaders()
    private var spareBody: [UInt8] = []
    /// The request the last `.request` event announced (not optional: see `takeRequest`).
    private var completed = HTTPRequest(method: .GET, path: "")

    init(limits: Limits) {
        self.limits = limits
        // Field offsets are kept as Int32 (HTTPHeaders).
        precondition(limits.maxHeaderBytes < Int(Int32.max), "maxHeaderBytes must be below 2 GiB")
        lineEnds = LineEnds(capacity: limits.maxHeaderCount + 1)
    }

    /// True when part of a request has been seen (deadlines then apply to it).
    var isInsideRequest: Bool { headParsed || scanned > 0 }
    var hasHead: Bool { headParsed }

    /// The request of the last `.request` event, moved out (call once per event).
    mutating func takeRequest() -> HTTPRequest {
        // A swap, not Optional.take(): destroying an Optional<HTTPRequest> goes through the
        // runtime's generic value witness (about 500 instructions); the empty request costs nothing.
        var request = HTTPRequest(method: .GET, path: "")
        swap(&request, &completed)
        return request
    }

    /// Takes back the header and body storage of an answered request for the next one.
    mutating func recycle(_ request: inout HTTPRequest) {
        swap(&spareHeaders, &request.headers)
        spareHeaders.removeAll()
        swap(&spareBody, &request.body)
        spareBody.removeAll(keepingCapacity: spareBody.capacity <= 64 * 1024)
    }

    mutating func parse(_ input: UnsafeRawBufferPointer) -> Event {
        if !headParsed {
            switch scanHead(input) {
            case .needMore: return .needMore(sendContinue: false)
            case .error(let status, let message): return .error(status: status, message: message)
            case .parsed:
                if case .length(let n) = head.framing, n > limits.maxBodyBytes {
                    return .error(status: 413, message: "Request body of \(n) bytes exceeds the limit of "
                                  + "\(limits.maxBodyBytes) bytes")
                }
            }
        }
        // Here the head is parsed. Only its framing fields are read: binding the whole head would
        // copy its request.
        let framing = head.framing, headLength = head.length
        switch framing {
        case .none:
            return finish(body: [], consumed: headLength)
        case .length(let n):
            if input.count - headLength >= n {
                var bytes: [UInt8] = []
                swap(&bytes, &spareBody)
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[headLength..<(headLength + n)]))
                return finish(body: bytes, consumed: headLength + n)
            }
            return .needMore(sendContinue: takeContinue())
        case .chunked:
            return parseChunks(input, headLength: headLength)
        }
    }

    private mutating func takeContinue() -> Bool {
        guard headParsed, head.expectContinue, !continueSent else { return false }
        continueSent = true
        return true
    }

    private mutating func finish(body: [UInt8], consumed: Int) -> Event {
        var body = body
        // Swaps, not assignments: the request moves into `completed`, and `head` gets the empty
        // one takeRequest left there, instead of being copied and the copy's source destroyed.
        swap(&head.request.body, &body)
        swap(&completed, &head.request)
        let keepAlive = head.keepAlive
        reset()
        return .request(keepAlive: keepAlive, consumed: consumed)
    }

    private mutating func reset() {
        scanned = 0
        headParsed = false
        continueSent = false
        chunkState = .size
        body = []
        bodyConsumed = 0
    }

    // MARK: chunked bodies

    private mutating func parseChunks(_ input: UnsafeRawBufferPointer, headLength: Int) -> Event {
        var i = headLength + bodyConsumed
        let n = input.count
        while true {
            switch chunkState {
            case .size:
                guard let lf = findLF(input, from: i) else {
                    if n - i > 1024 { return .error(status: 400, message: "Chunk size line is too long") }
                    return .needMore(sendContinue: takeContinue())
                }
                guard lf > i, input[lf - 1] == 0x0D else { return .error(status: 400, message: "Chunk size line must end with CRLF") }
                var size = 0
                var k = i
                while k < lf - 1, let d = HTTP1Parser.hexValue(input[k]) {
                    guard size < (1 << 40) else { return .error(status: 400, message: "Chunk size overflows") }
                    size = size << 4 | d
                    k += 1
                }
                guard k > i else { return .error(status: 400, message: "Invalid chunk size") }
                // Only a chunk extension (";name=value") may follow the size.
                if k < lf - 1 {
                    guard input[k] == UInt8(ascii: ";") || input[k] == 0x20 || input[k] == 0x09 else {
                        return .error(status: 400, message: "Invalid chunk size")
                    }
                    for j in k..<(lf - 1) where input[j] < 0x20 && input[j] != 0x09 || input[j] == 0x7F {
                        return .error(status: 400, message: "Invalid character in chunk extension")
                    }
                }
                i = lf + 1
                if size == 0 {
                    chunkState = .trailer
                } else {
                    guard body.count + size <= limits.maxBodyBytes else {
                        return .error(status: 413, message: "Request body exceeds the limit of \(limits.maxBodyBytes) bytes")
                    }
                    chunkState = .data(remaining: size)
                }
            case .data(let remaining):
                let take = min(remaining, n - i)
                if take > 0 {
                    body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                    i += take
                }
                if take < remaining {
                    chunkState = .data(remaining: remaining - take)
                    bodyConsumed = i - headLength
                    return .needMore(sendContinue: takeContinue())
                }
                chunkState = .dataEnd
            case .dataEnd:
                guard n - i >= 2 else {
                    bodyConsumed = i - headLength
                    return .needMore(sendContinue: false)
                }
                guard input[i] == 0x0D, input[i + 1] == 0x0A else {
                    return .error(status: 400, message: "Chunk data must be followed by CRLF")
                }
                i += 2
                chunkState = .size
            case .trailer:
                // Trailer fields are read and ignored; they count against the header limit.
                guard let lf = findLF(input, from: i) else {
                    if n - i > limits.maxHeaderBytes { return .error(status: 431, message: "Trailer section is too large") }
                    bodyConsumed = i - headLength
                    return .needMore(sendContinue: false)
                }
                guard lf > i, input[lf - 1] == 0x0D else { return .error(status: 400, message: "Trailer line must end with CRLF") }
                if lf == i + 1 {
                    let collected = body
                    return finish(body: collected, consumed: lf + 1)
                }
                i = lf + 1
            }
            bodyConsumed = i - headLength
        }
    }

    // MARK: head

    /// What scanning for a head found. A parsed head goes straight into `head` rather than into
    /// this result: an enum carrying the whole request is copied through every switch on it.
    private enum HeadResult {
        case needMore
        case parsed
        case error(HTTPStatus, String)
    }

    private mutating func scanHead(_ input: UnsafeRawBufferPointer) -> HeadResult {
        let n = input.count
        // Skip empty lines before the request line (RFC 9112 §2.2).
        var start = 0
        while start + 1 < n, input[start] == 0x0D, input[start + 1] == 0x0A { start += 2 }
        let limit = min(n, start + limits.maxHeaderBytes + 1)
        var i = max(scanned, start)
        if scanned == 0 { lineEnds.removeAll() }
        // Line by line (memchr for LF): every LF must follow a CR, and CRLF CRLF ends the head.
        // Bare CRs inside lines are caught by the character checks of parseHead.
        while i < limit, let lf = findLF(input, from: i, to: limit) {
            guard lf > start, input[lf - 1] == 0x0D else {
                return .error(400, "Bare LF in request head: lines must end with CRLF")
            }
            if lf >= start + 3, input[lf - 2] == 0x0A {
                scanned = 0
                return parseHead(UnsafeRawBufferPointer(rebasing: input[start...lf]), start: start, totalLength: lf + 1)
            }
            guard lineEnds.append(lf) else { return .error(431, "More than \(limits.maxHeaderCount) header fields") }
            i = lf + 1
        }
        if n - start > limits.maxHeaderBytes {
            if findLF(input, from: start, to: limit) == nil {
                return .error(414, "Request line exceeds the limit of \(limits.maxURIBytes) bytes")
            }
            return .error(431, "Request header section exceeds the limit of \(limits.maxHeaderBytes) bytes")
        }
        // Still in the request line and already past the URI limit: no need to wait for more.
        if findLF(input, from: start, to: n) == nil, n - start > limits.maxURIBytes + 32 {
            return .error(414, "Request line exceeds the limit of \(limits.maxURIBytes) bytes")
        }
        scanned = i
        return .needMore
    }

    /// Why a head is refused: the status and the message the client gets.
    private struct HeadError: Error {
        let status: HTTPStatus
        let message: String
        init(_ status: HTTPStatus, _ message: String) {
            self.status = status
            self.message = message
        }
    }

    /// What the header fields said about framing and the connection.
    private struct FieldFacts {
        var hosts = 0
        var contentLength: Int? = nil
        var transferEncoding: String? = nil
        var keepAlive: Bool
        var expectContinue = false
    }

    /// Parses a complete head (request line + fields + the final CRLF CRLF), which starts at `start`
    /// in the input and whose line ends scanHead noted in `lineEnds`, into `head`.
    private mutating func parseHead(_ h: UnsafeRawBufferPointer, start: Int, totalLength: Int) -> HeadResult {
        do throws(HeadError) {
            let ends = lineEnds.offsets
            let lineEnd = ends[0] - start
            var request = try parseRequestLine(h, end: lineEnd)
            swap(&request.headers, &spareHeaders)
            let minor = request.version.minor
            let facts = try parseFields(h, from: lineEnd + 1, lineEnds: UnsafeBufferPointer(rebasing: ends[1...]),
                                        headStart: start, minor: minor, into: &request.headers)
            let framing = try Self.framing(facts, minor: minor)
            swap(&head.request, &request)
            head.framing = framing
            head.keepAlive = facts.keepAlive
            head.expectContinue = facts.expectContinue
            head.length = totalLength
            headParsed = true
            return .parsed
        } catch {
            return .error(error.status, error.message)
        }
    }

    /// Request line: method SP target SP version CRLF, whose LF is at `lineEnd`. The request comes
    /// back without fields.
    @inline(__always)
    private func parseRequestLine(_ h: UnsafeRawBufferPointer, end lineEnd: Int) throws(HeadError) -> HTTPRequest {
        let line = UnsafeRawBufferPointer(rebasing: h[0..<(lineEnd - 1)])
        guard let sp1 = find(0x20, in: line, from: 0), sp1 > 0 else { throw HeadError(400, "Malformed request line") }
        guard let sp2 = find(0x20, in: line, from: sp1 + 1), sp2 > sp1 + 1 else {
            throw HeadError(400, "Malformed request line")
        }
        guard HTTP1Parser.allTokenChars(line, 0..<sp1) else { throw HeadError(400, "Invalid method") }
        let targetLength = sp2 - sp1 - 1
        guard targetLength <= limits.maxURIBytes else {
            throw HeadError(414, "Request target of \(targetLength) bytes exceeds the limit of \(limits.maxURIBytes) bytes")
        }
        for k in (sp1 + 1)..<sp2 where line[k] <= 0x20 || line[k] == 0x7F {
            throw HeadError(400, "Invalid character in request target")
        }
        let versionBytes = UnsafeRawBufferPointer(rebasing: line[(sp2 + 1)...])
        // "HTTP/1.x" compared as one 8-byte word (little-endian: "HTTP/1." then the minor digit).
        let version = versionBytes.count == 8 ? versionBytes.loadUnaligned(as: UInt64.self) : 0
        let minor: Int
        if version == 0x312E_312F_5054_5448 {
            minor = 1
        } else if version == 0x302E_312F_5054_5448 {
            minor = 0
        } else if versionBytes.count == 8, version & 0xFF_FFFF_FFFF == 0x2F_5054_5448 {
            throw HeadError(505, "Only HTTP/1.0 and HTTP/1.1 are supported on this connection")
        } else {
            throw HeadError(400, "Malformed HTTP version")
        }
        let method = HTTPMethod(UnsafeRawBufferPointer(rebasing: line[0..<sp1]))
        let target = UnsafeRawBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
        let path: String
        let query: String
        if let q = find(UInt8(ascii: "?"), in: target, from: 0) {
            path = String(decoding: UnsafeRawBufferPointer(rebasing: target[..<q]), as: UTF8.self)
            query = String(decoding: UnsafeRawBufferPointer(rebasing: target[(q + 1)...]), as: UTF8.self)
        } else {
            path = String(decoding: target, as: UTF8.self)
            query = ""
        }

        return HTTPRequest(method: method, path: path, query: query, version: HTTPVersion(1, minor), headers: HTTPHeaders())
    }

    /// The header fields from `start` on (their LFs at `lineEnds`, input offsets of a head that
    /// starts at `headStart`), each checked, added to `headers`, and the ones that frame the request
    /// or steer the connection noted.
    @inline(__always)
    private func parseFields(_ h: UnsafeRawBufferPointer, from start: Int, lineEnds: UnsafeBufferPointer<Int>, headStart: Int,
                             minor: Int, into headers: inout HTTPHeaders) throws(HeadError) -> FieldFacts {
        var facts = FieldFacts(keepAlive: minor == 1)
        // The header block is copied once; each field is two ranges into the copy.
        let base = headers.keep(UnsafeRawBufferPointer(rebasing: h[start...])) - start
        var p = start
        // Offsets below are within a head of at most maxHeaderBytes: wrapping arithmetic cannot wrap.
        for end in lineEnds {
            let lf = end &- headStart
            let fieldStart = p
            let field = UnsafeRawBufferPointer(rebasing: h[p..<(lf &- 1)])
            p = lf &+ 1
            if field[0] == 0x20 || field[0] == 0x09 {
                throw HeadError(400, "Obsolete line folding (obs-fold) is not accepted")
            }
            let colon: Int
            if let plain = HTTP1Parser.plainNameColon(field) {
                colon = plain
            } else {
                guard let found = find(UInt8(ascii: ":"), in: field, from: 0), found > 0 else {
                    throw HeadError(400, "Header line without a field name and colon")
                }
                if !HTTP1Parser.allTokenChars(field, 0..<found) {
                    let bad = (0..<found).first { !HTTP1Parser.isTokenChar(field[$0]) }!
                    throw HeadError(400, field[bad] == 0x20 || field[bad] == 0x09
                                  ? "Whitespace between header field name and colon"
                                  : "Invalid character in header field name")
                }
                colon = found
            }
            var vs = colon + 1
            var ve = field.count
            while vs < ve, field[vs] == 0x20 || field[vs] == 0x09 { vs += 1 }
            while ve > vs, field[ve - 1] == 0x20 || field[ve - 1] == 0x09 { ve -= 1 }
            guard HTTP1Parser.isFieldValue(field, vs..<ve) else {
                throw HeadError(400, "Invalid character in header field value")
            }
            // At most maxHeaderCount fields: scanHead refuses a head of more lines (431).
            let name = UnsafeRawBufferPointer(rebasing: field[0..<colon])
            let value = UnsafeRawBufferPointer(rebasing: field[vs..<ve])
            let lineStart = base &+ fieldStart
            headers.addField(name: lineStart..<(lineStart &+ colon), value: (lineStart &+ vs)..<(lineStart &+ ve))

            // Known fields compared in place, by length first: no Strings on the request path.
            switch colon {
            case 4 where HTTPHeaders.equalsIgnoringCase(name, "host"):
                facts.hosts += 1
            case 14 where HTTPHeaders.equalsIgnoringCase(name, "content-length"):
                guard let n = HTTP1Parser.parseContentLength(value) else {
                    throw HeadError(400, "Invalid Content-Length")
                }
                if let previous = facts.contentLength, previous != n {
                    throw HeadError(400, "Conflicting Content-Length values")
                }
                facts.contentLength = n
            case 17 where HTTPHeaders.equalsIgnoringCase(name, "transfer-encoding"):
                let v = String(decoding: value, as: UTF8.self)
                facts.transferEncoding = facts.transferEncoding.map { $0 + ", " + v } ?? v
            case 10 where HTTPHeaders.equalsIgnoringCase(name, "connection"):
                for token in String(decoding: value, as: UTF8.self).split(separator: ",") {
                    let t = String(token.trimmingSpaces())
                    if HTTPHeaders.equalsIgnoringCase(t, "close") { facts.keepAlive = false }
                    if HTTPHeaders.equalsIgnoringCase(t, "keep-alive") && minor == 0 { facts.keepAlive = true }
                }
            case 6 where HTTPHeaders.equalsIgnoringCase(name, "expect"):
                guard HTTPHeaders.equalsIgnoringCase(value, "100-continue") else {
                    throw HeadError(417, "Only the expectation 100-continue is supported")
                }
                facts.expectContinue = minor == 1
            default:
                break
            }
        }
        return facts
    }

    /// Content-Length or chunked (never both), and Host exactly once in HTTP/1.1.
    @inline(__always)
    private static func framing(_ facts: FieldFacts, minor: Int) throws(HeadError) -> Framing {
        if minor == 1 && facts.hosts != 1 {
            throw HeadError(400, facts.hosts == 0 ? "HTTP/1.1 request without a Host header" : "More than one Host header")
        }
        var framing = Framing.none
        if let te = facts.transferEncoding {
            guard facts.contentLength == nil else {
                throw HeadError(400, "Both Content-Length and Transfer-Encoding: a request may have only one")
            }
            guard minor == 1 else { throw HeadError(400, "Transfer-Encoding is not allowed in HTTP/1.0") }
            guard HTTPHeaders.equalsIgnoringCase(te, "chunked") else {
                throw HeadError(501, "Transfer-Encoding \"\(te)\" is not supported; only chunked is")
            }
            framing = .chunked
        } else if let n = facts.contentLength, n > 0 {
            framing = .length(n)
        }
        return framing
    }

    // MARK: bytes

    /// The index of the first `byte` in `b[from..<end]` (memchr); `end` defaults to the end of `b`.
    @inline(__always)
    private func find(_ byte: UInt8, in b: UnsafeRawBufferPointer, from: Int, to end: Int? = nil) -> Int? {
        let e = end ?? b.count
        guard from < e, let base = b.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), e - from) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    private func findLF(_ b: UnsafeRawBufferPointer, from: Int, to end: Int? = nil) -> Int? {
        find(0x0A, in: b, from: from, to: end)
    }

    static func parseContentLength(_ s: UnsafeRawBufferPointer) -> Int? {
        guard !s.isEmpty, s.count <= 15 else { return nil }
        var v = 0
        for c in s {
            guard c &- 48 < 10 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - 48)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - 87)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - 55)
        default: return nil
        }
    }

    /// No control byte but tab (and no DEL) in `range`: eight bytes per step, a byte at a time only
    /// where a word holds a byte below 0x20 or a DEL (a tab, or the error).
    @inline(__always)
    static func isFieldValue(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            let x = b.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            let del = x ^ (0x7F &* ones)
            // High bit of a byte set where it is below 0x20, or 0x7F (the classic has-less trick).
            if ((x &- 0x20 &* ones) & ~x | (del &- ones) & ~del) & highs != 0 {
                for i in k..<(k + 8) where (b[i] < 0x20 && b[i] != 0x09) || b[i] == 0x7F { return false }
            }
            k += 8
        }
        for i in k..<range.upperBound where (b[i] < 0x20 && b[i] != 0x09) || b[i] == 0x7F { return false }
        return true
    }

    /// The high bit of each byte of `x` (eight bytes of a name) that is not an ASCII letter or a
    /// dash. A byte of 0x80 or more flags itself, and the carries it causes reach only later bytes,
    /// so the lowest flag is always exact; a word of letters and dashes gives 0.
    @inline(__always)
    static func notLetterOrDash(_ x: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let y = x | (0x20 &* ones)
        // Per byte below 0x80: high bit set where y >= 'a' and y <= 'z'.
        let letter = (y &+ (0x80 - 0x61) &* ones) & ~(y &+ (0x80 - 0x7B) &* ones) & highs
        let d = x ^ (0x2D &* ones)  // zero where a dash
        let dash = ~(((d & low7) &+ low7) | d) & highs
        return (highs & ~(letter | dash)) | (x & highs)
    }

    @inline(__always)
    static func isLetterOrDash(_ c: UInt8) -> Bool {
        c | 0x20 &- 0x61 < 26 || c == 0x2D
    }

    /// Where a field name made of letters and dashes ends, when the byte there is its colon (nearly
    /// every field): one pass, eight bytes at a time, instead of a search for the colon and a check
    /// of the name. nil for anything else, which takes that general path.
    @inline(__always)
    static func plainNameColon(_ f: UnsafeRawBufferPointer) -> Int? {
        var k = 0
        while k + 8 <= f.count {
            let other = notLetterOrDash(f.loadUnaligned(fromByteOffset: k, as: UInt64.self))
            if other != 0 {
                let i = k + other.trailingZeroBitCount / 8
                return i > 0 && f[i] == UInt8(ascii: ":") ? i : nil
            }
            k += 8
        }
        while k < f.count {
            let c = f[k]
            if c == UInt8(ascii: ":") { return k > 0 ? k : nil }
            guard isLetterOrDash(c) else { return nil }
            k += 1
        }
        return nil
    }

    /// Every byte of `b[range]` is a tchar. Field names are letters and dashes nearly always: eight
    /// bytes at a time are checked for just those, a byte at a time (the full tchar set) otherwise.
    @inline(__always)
    static func allTokenChars(_ b: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            if notLetterOrDash(b.loadUnaligned(fromByteOffset: k, as: UInt64.self)) != 0 {
                for i in k..<(k + 8) where !isTokenChar(b[i]) { return false }
            }
            k += 8
        }
        for i in k..<range.upperBound where !isTokenChar(b[i]) { return false }
        return true
    }

    /// tchar of RFC 9110 §5.6.2 (ALPHA, DIGIT and ``!#$%&'*+-.^_`|~``): a bit test against a mask
    /// of bytes 0-63 and one of 64-127.
    @inline(__always)
    static func isTokenChar(_ c: UInt8) -> Bool {
        let mask: UInt64 = c < 64 ? 0x03FF_6CFA_0000_0000 : c < 128 ? 0x57FF_FFFF_C7FF_FFFE : 0
        return (mask >> UInt64(c & 63)) & 1 != 0
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
