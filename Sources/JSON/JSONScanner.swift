/// A forward-only reader over the bytes of one JSON document. It never allocates for
/// numbers, literals or escape-free strings: callers get byte ranges and decide what to keep.
///
/// The buffer must outlive the scanner; the scanner does not own it.
public struct JSONScanner {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var position: Int = 0
    /// Containers deeper than this are rejected, so a hostile body cannot exhaust the stack.
    public var maxDepth = 64
    /// `bytes` as a typed pointer (a valid one even for an empty buffer, never read then).
    private let p: UnsafePointer<UInt8>
    private let n: Int

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONScanner.nothing
        n = bytes.count
    }

    /// Stands in for the base of an empty buffer; never read (every read is below `n`, which is 0).
    nonisolated(unsafe) private static let nothing = UnsafePointer(UnsafeMutablePointer<UInt8>.allocate(capacity: 1))

    /// The kind of value that starts at the current position.
    public enum Kind: Sendable, Equatable {
        case object, array, string, number, bool, null
    }

    /// A string token: `range` covers the bytes between the quotes, still escaped if `hasEscapes`.
    public struct StringToken: Sendable {
        public var range: Range<Int>
        public var hasEscapes: Bool
    }

    public var isAtEnd: Bool { position >= n }

    @inline(__always)
    public mutating func skipWhitespace() {
        var i = position
        while i < n {
            switch p[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: position = i; return
            }
        }
        position = i
    }

    /// Skips whitespace and names the next value's kind; throws "Expecting value" if none starts here.
    public mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard position < n else { throw JSONError("Expecting value", at: position) }
        switch p[position] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: throw JSONError("Expecting value", at: position)
        }
    }

    /// Consumes `byte` after optional whitespace or throws `message`.
    public mutating func expect(_ byte: UInt8, _ message: StaticString) throws {
        skipWhitespace()
        guard position < n, p[position] == byte else { throw JSONError(message.description, at: position) }
        position += 1
    }

    /// Consumes `byte` after optional whitespace if it is there.
    public mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        if position < n && p[position] == byte {
            position += 1
            return true
        }
        return false
    }

    public mutating func readString() throws -> StringToken {
        try expect(UInt8(ascii: "\""), "Expecting value")
        return try readStringBody()
    }

    /// The rest of a string whose opening quote has been consumed.
    @inline(__always)
    private mutating func readStringBody() throws -> StringToken {
        let start = position
        var i = start
        // Eight bytes at a time: the lowest flagged byte of the SWAR mask is the first quote,
        // backslash, control character or non-ASCII byte (borrows only run upwards, so it is exact).
        while i + 8 <= n {
            let m = JSONScanner.specialBytes(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            if m == 0 { i += 8; continue }
            i += m.trailingZeroBitCount >> 3
            if p[i] == UInt8(ascii: "\"") {
                position = i + 1
                return StringToken(range: start..<i, hasEscapes: false)
            }
            return try finishString(start: start, at: i)
        }
        return try finishString(start: start, at: i)
    }

    /// Byte by byte from `i` to the closing quote: escapes, control characters and the buffer's tail.
    private mutating func finishString(start: Int, at index: Int) throws -> StringToken {
        var escapes = false
        var i = index
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                position = i + 1
                return StringToken(range: start..<i, hasEscapes: escapes)
            }
            if b == UInt8(ascii: "\\") {
                escapes = true
                i = try endOfEscape(at: i)
                continue
            }
            if b < 0x20 {
                position = i
                throw JSONError("Invalid control character at", at: i)
            }
            if b >= 0x80 {
                guard let length = UTF8Validation.sequenceLength(UnsafeRawBufferPointer(start: p, count: n), at: i) else {
                    position = i
                    throw JSONError("Invalid UTF-8", at: i)
                }
                i += length
                continue
            }
            i += 1
        }
        position = n
        throw JSONError("Unterminated string starting at", at: start - 1)
    }

    /// Past the escape starting with the backslash at `i`, which must be one JSON allows (`\"`,
    /// `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX`), with a surrogate only as a high-low pair.
    /// Checked in every string, read or skipped, so no invalid document is accepted.
    private func endOfEscape(at i: Int) throws -> Int {
        guard i + 1 < n else { return n }  // the caller reports the unterminated string
        switch p[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: i + 2)
            if unit >= 0xDC00 && unit < 0xE000 { throw JSONError("Unpaired surrogate in \\u escape", at: i) }
            guard unit >= 0xD800 && unit < 0xDC00 else { return i + 6 }
            guard i + 7 < n, p[i + 6] == UInt8(ascii: "\\"), p[i + 7] == UInt8(ascii: "u"),
                  (0xDC00..<0xE000).contains(try hex4(at: i + 8)) else {
                throw JSONError("Unpaired surrogate in \\u escape", at: i)
            }
            return i + 12
        default:
            throw JSONError("Invalid \\escape", at: i)
        }
    }

    private func hex4(at start: Int) throws -> UInt32 {
        guard let v = JSONScanner.hex4(UnsafeRawBufferPointer(start: p, count: n), at: start) else {
            throw JSONError("Invalid \\uXXXX escape", at: start - 1)
        }
        return v
    }

    /// The four hex digits at `start`, or nil when they are not there.
    static func hex4(_ raw: UnsafeRawBufferPointer, at start: Int) -> UInt32? {
        guard start + 4 <= raw.count else { return nil }
        var v: UInt32 = 0
        for k in start..<(start + 4) {
            let c = raw[k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - 55
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// The next member of an object, up to and including the `:` after its key: call with
    /// `first: true` just after the `{`, then after each member's value. nil at the closing `}`,
    /// which is consumed. Errors are Python's.
    ///
    /// `guess` (may be empty) is tried first: when the key is exactly those bytes (no escapes),
    /// `matchedGuess` is set and the key is neither scanned for its end nor hashed by the caller.
    /// Clients send a model's fields in the same order every time, so the guess is nearly always
    /// the key.
    public mutating func nextMember(first: Bool, guess: UnsafeRawBufferPointer, matchedGuess: inout Bool) throws
        -> StringToken? {
        matchedGuess = false
        skipWhitespace()
        guard position < n else {
            throw JSONError(first ? "Expecting property name enclosed in double quotes" : "Expecting ',' delimiter",
                            at: position)
        }
        var c = p[position]
        if c == UInt8(ascii: "}") {
            // Only in place of a key or a comma: after a comma (`{"a": 1,}`) a key must follow.
            position += 1
            return nil
        }
        if !first {
            guard c == UInt8(ascii: ",") else { throw JSONError("Expecting ',' delimiter", at: position) }
            position += 1
            skipWhitespace()
            c = position < n ? p[position] : 0
        }
        guard c == UInt8(ascii: "\"") else {
            throw JSONError("Expecting property name enclosed in double quotes", at: position)
        }
        position += 1
        let key: StringToken
        let g = guess.count
        if g > 0 && position + g < n && p[position + g] == UInt8(ascii: "\"")
            && JSONScanner.bytesEqual(UnsafeRawPointer(p + position), guess.baseAddress!, g) {
            key = StringToken(range: position..<(position + g), hasEscapes: false)
            position += g + 1
            matchedGuess = true
        } else {
            key = try readStringBody()
        }
        skipWhitespace()
        guard position < n, p[position] == UInt8(ascii: ":") else { throw JSONError("Expecting ':' delimiter", at: position) }
        position += 1
        return key
    }

    /// `count` bytes at `a` and `b` are equal: eight at a time, the last eight overlapping (keys are
    /// short; a call to memcmp costs more than the comparison).
    @inlinable @inline(__always)
    public static func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        guard count >= 8 else {
            for k in 0..<count where a.load(fromByteOffset: k, as: UInt8.self) != b.load(fromByteOffset: k, as: UInt8.self) {
                return false
            }
            return true
        }
        var k = 0
        while k &+ 8 < count {  // count is a key's length: no overflow
            if a.loadUnaligned(fromByteOffset: k, as: UInt64.self) != b.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                return false
            }
            k &+= 8
        }
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }

    /// The high bit of each byte of `v` that may be `"`, `\\`, below 0x20 or above 0x7F (SWAR: a
    /// byte is zero after XOR, or underflows, or has its high bit set). Bytes above a flagged one can
    /// be flagged falsely; the lowest is exact.
    @inline(__always)
    static func specialBytes(_ v: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = v ^ (ones &* 0x22)
        let backslash = v ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (v &- ones &* 0x20) & ~v
        return (zeroInQuote | zeroInBackslash | control | v) & highs
    }

    /// The unescaped UTF-8 bytes of a string token (allocates only when it has escapes).
    public func unescaped(_ token: StringToken) throws -> [UInt8] {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[token.range])
        guard token.hasEscapes else { return Array(raw) }
        return try JSONScanner.unescape(raw, offset: token.range.lowerBound)
    }

    public func string(_ token: StringToken) throws -> String {
        if !token.hasEscapes {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.range]), as: UTF8.self)
        }
        return String(decoding: try unescaped(token), as: UTF8.self)
    }

    /// Decimal digits from `i` onto `m` (wrapping: callers bound the digit count), `i` past them.
    @inline(__always)
    private func readDigits(_ i: inout Int, into m: inout UInt64) {
        while i < n && JSONNumber.isDigit(p[i]) { m = m &* 10 &+ UInt64(p[i] &- 48); i += 1 }
    }

    /// A plain decimal of at most 19 digits and no exponent (what clients send for amounts, counts
    /// and Python's shortest float reprs, up to 17 digits), read and converted in one loop: an exact
    /// mantissa of at most 19 digits goes to `JSONNumber.toDouble` (one IEEE division below 2^53,
    /// else Eisel-Lemire). nil, with nothing consumed, for anything else (`readNumber`).
    @inline(__always)
    public mutating func readShortDecimal() -> Double? {
        skipWhitespace()
        var i = position
        let negative = i < n && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var m: UInt64 = 0
        let intStart = i
        readDigits(&i, into: &m)
        let intDigits = i - intStart
        guard intDigits > 0, intDigits == 1 || p[intStart] != UInt8(ascii: "0") else { return nil }
        var scale = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            readDigits(&i, into: &m)
            scale = i - fractionStart
            guard scale > 0 else { return nil }
        }
        guard intDigits + scale <= 19, i == n || !JSONNumber.continuesNumber(p[i]),
              let d = JSONNumber.toDouble(m, -scale) else { return nil }
        position = i
        return negative ? -d : d
    }

    /// A plain integer of at most 18 digits (ids, counts): no fraction, no exponent. nil, with
    /// nothing consumed, for anything else (`readNumber`).
    @inline(__always)
    public mutating func readShortInteger() -> Int64? {
        skipWhitespace()
        var i = position
        let negative = i < n && p[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        var m: UInt64 = 0
        readDigits(&i, into: &m)
        let digits = i - start
        guard digits > 0, digits <= 18, digits == 1 || p[start] != UInt8(ascii: "0"),
              i == n || !JSONNumber.continuesNumber(p[i]) else { return nil }
        position = i
        let v = Int64(m)  // at most 18 digits: below Int64.max
        return negative ? -v : v
    }

    /// A number, read and converted in one pass.
    public mutating func readNumber() throws -> JSONNumber {
        skipWhitespace()
        let start = position
        var i = start
        guard let number = JSONNumber.scan(p, at: &i, count: n), i == n || !JSONNumber.continuesNumber(p[i]) else {
            throw JSONError("Expecting value", at: start)
        }
        position = i
        return number
    }

    public mutating func readBool() throws -> Bool {
        if try readLiteral("true") { return true }
        if try readLiteral("false") { return false }
        throw JSONError("Expecting value", at: position)
    }

    public mutating func readNull() throws {
        guard try readLiteral("null") else { throw JSONError("Expecting value", at: position) }
    }

    private mutating func readLiteral(_ word: StaticString) throws -> Bool {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard position + count <= n else { return false }
        let w = word.utf8Start
        for k in 0..<count where p[position + k] != w[k] { return false }
        position += count
        return true
    }

    /// Skips one whole value of any kind, checking its syntax.
    public mutating func skipValue(depth: Int = 0) throws {
        switch try peekKind() {
        case .string: _ = try readString()
        case .number:
            // Checked as readNumber checks it, not converted.
            var i = position
            guard JSONNumber.skip(p, at: &i, count: n), i == n || !JSONNumber.continuesNumber(p[i]) else {
                throw JSONError("Expecting value", at: position)
            }
            position = i
        case .bool: _ = try readBool()
        case .null: try readNull()
        case .object:
            guard depth < maxDepth else { throw JSONError("Nesting too deep", at: position) }
            position += 1
            if consume(UInt8(ascii: "}")) { return }
            repeat {
                guard (try? peekKind()) == .string else {
                    throw JSONError("Expecting property name enclosed in double quotes", at: position)
                }
                _ = try readString()
                try expect(UInt8(ascii: ":"), "Expecting ':' delimiter")
                try skipValue(depth: depth + 1)
            } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "}"), "Expecting ',' delimiter")
        case .array:
            guard depth < maxDepth else { throw JSONError("Nesting too deep", at: position) }
            position += 1
            if consume(UInt8(ascii: "]")) { return }
            repeat { try skipValue(depth: depth + 1) } while consume(UInt8(ascii: ","))
            try expect(UInt8(ascii: "]"), "Expecting ',' delimiter")
        }
    }

    /// Throws "Extra data" unless only whitespace is left.
    public mutating func expectEnd() throws {
        skipWhitespace()
        if position < n { throw JSONError("Extra data", at: position) }
    }

    static func unescape(_ raw: UnsafeRawBufferPointer, offset: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) throws -> UInt32 {
            guard let v = JSONScanner.hex4(raw, at: at) else { throw JSONError("Invalid \\uXXXX escape", at: offset + at) }
            return v
        }
        while i < raw.count {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < raw.count else { throw JSONError("Invalid \\escape", at: offset + i) }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if scalar >= 0xD800 && scalar < 0xDC00, i + 6 <= raw.count,
                   raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") {
                    let low = try hex4(i + 2)
                    if low >= 0xDC00 && low < 0xE000 {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: UTF8.encode(s)!)
            default:
                throw JSONError("Invalid \\escape", at: offset + i - 2)
            }
        }
        return out
    }
}
