import Support

/// Appends JSON to a reusable byte buffer. Numbers are written the way Python's `json.dumps`
/// writes them (shortest round-trip decimal), so clients compare equal to the libraries' output.
public struct JSONWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends to `bytes` (e.g. an empty buffer from `SpareBytes.take`).
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public mutating func raw(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    public mutating func raw(_ b: UInt8) { bytes.append(b) }

    /// Writes `key` as given (its quotes, colon and any leading `{` or `,` included) and then
    /// `value` as a JSON string: `w.member(",\"version\":", info.version)`.
    public mutating func member(_ key: StaticString, _ value: String) {
        raw(key)
        string(value)
    }

    /// As `member(_:_:)` for an integer value.
    public mutating func member(_ key: StaticString, _ value: Int) {
        raw(key)
        int(Int64(value))
    }

    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { string(bytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func string(bytes input: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "\""))
        // Copy runs that need no escaping in one append each.
        var runStart = 0
        for (i, b) in input.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            if i > runStart { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[runStart..<i])) }
            runStart = i + 1
            switch b {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            default:
                raw("\\u00")
                Hex.append(b, into: &bytes)
            }
        }
        if input.count > runStart { bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[runStart...])) }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func int(_ v: Int64) {
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            unsigned(v.magnitude)
        } else {
            unsigned(UInt64(v))
        }
    }

    public mutating func unsigned(_ v: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - n] = UInt8(truncatingIfNeeded: x % 10) + 48
                x /= 10
                n += 1
            } while x != 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(20 - n)...]))
        }
    }

    /// Shortest decimal that reads back as the same Double, in Python's notation
    /// (`0.0004246292810421437`, `1e-05`, `1.0`). Non-finite values have no JSON form: `null`.
    public mutating func double(_ v: Double) {
        // The same digits as `description`, through a stack buffer: no String in between.
        buffered(capacity: 32) { $0.double(v) }
    }

    public mutating func bool(_ v: Bool) {
        if v { raw("true") } else { raw("false") }
    }

    public mutating func null() { raw("null") }
}
