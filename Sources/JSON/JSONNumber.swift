#if canImport(Glibc)
import Glibc
#endif

/// A JSON number as written: its value rounded correctly to Double (as Python's `float()` does)
/// and, when it is written as an integer that fits, its exact Int64.
public struct JSONNumber: Sendable, Equatable {
    public var double: Double
    /// The exact value when the literal has no fraction or exponent and fits in Int64.
    public var int64: Int64?

    public init(double: Double, int64: Int64?) {
        self.double = double
        self.int64 = int64
    }

    /// Parses a complete JSON number literal (RFC 8259 grammar); nil if it is not one.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONNumber? {
        let n = bytes.count
        var i = 0
        var negative = false
        if i < n && bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < n else { return nil }
        // Integer part: "0" or [1-9][0-9]*.
        var mantissa: UInt64 = 0
        var digits = 0          // significant digits accumulated into `mantissa`
        var dropped = 0         // integer digits beyond 19 that did not fit (scale by 10^dropped)
        var exactInteger = true
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if isDigit(bytes[i]) {
            while i < n && isDigit(bytes[i]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 48)
                    if mantissa != 0 { digits += 1 }
                } else {
                    dropped += 1
                    exactInteger = false
                }
                i += 1
            }
        } else {
            return nil
        }
        var exponent = dropped
        var isInteger = true
        if i < n && bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            let start = i
            while i < n && isDigit(bytes[i]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- 48)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else {
                    exactInteger = false
                }
                i += 1
            }
            if i == start { return nil }
        }
        if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            var expNegative = false
            if i < n && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            let start = i
            var e = 0
            while i < n && isDigit(bytes[i]) {
                if e < 100_000 { e = e * 10 + Int(bytes[i] &- 48) }
                i += 1
            }
            if i == start { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }

        var int64: Int64? = nil
        if isInteger && exactInteger {
            if negative {
                if mantissa <= UInt64(Int64.max) + 1 { int64 = mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa) }
            } else if mantissa <= UInt64(Int64.max) {
                int64 = Int64(mantissa)
            }
        }
        // Clinger's fast path: mantissa and 10^|exponent| are exact doubles, one rounding.
        if digits <= 15 && exactInteger && exponent >= -22 && exponent <= 22 && mantissa < (1 << 53) {
            var d = Double(mantissa)
            if exponent < 0 { d /= powersOfTen[-exponent] } else { d *= powersOfTen[exponent] }
            return JSONNumber(double: negative ? -d : d, int64: int64)
        }
        return JSONNumber(double: slowPath(bytes), int64: int64)
    }

    /// glibc's strtod is correctly rounded; it needs a NUL-terminated copy.
    private static func slowPath(_ bytes: UnsafeRawBufferPointer) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer in
            for k in 0..<bytes.count { buffer[k] = CChar(bitPattern: bytes[k]) }
            buffer[bytes.count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    private static let powersOfTen: [Double] = (0...22).map { k in
        var p = 1.0
        for _ in 0..<k { p *= 10 }
        return p
    }
}
