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
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var end = 0
        guard let number = scan(base, at: &end, count: bytes.count), end == bytes.count else { return nil }
        return number
    }

    /// Reads the longest JSON number (RFC 8259 §6) that starts at `p[i]`, in one pass, and moves `i`
    /// past it; nil (and `i` unchanged) when none starts there. The caller decides what may follow.
    @inline(__always)
    /// Moves `i` past a number literal (RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)?
    /// ([eE] [+-]? [0-9]+)?`) without converting it: what skipping an unused member needs. False,
    /// with `i` unchanged, where no well-formed number starts.
    static func skip(_ p: UnsafePointer<UInt8>, at i: inout Int, count n: Int) -> Bool {
        var k = i
        if k < n && p[k] == UInt8(ascii: "-") { k += 1 }
        guard k < n else { return false }
        if p[k] == UInt8(ascii: "0") {
            k += 1
        } else if isDigit(p[k]) {
            while k < n && isDigit(p[k]) { k += 1 }
        } else {
            return false
        }
        if k < n && p[k] == UInt8(ascii: ".") {
            k += 1
            guard k < n && isDigit(p[k]) else { return false }
            while k < n && isDigit(p[k]) { k += 1 }
        }
        if k < n && p[k] | 0x20 == UInt8(ascii: "e") {
            k += 1
            if k < n && (p[k] == UInt8(ascii: "+") || p[k] == UInt8(ascii: "-")) { k += 1 }
            guard k < n && isDigit(p[k]) else { return false }
            while k < n && isDigit(p[k]) { k += 1 }
        }
        i = k
        return true
    }

    static func scan(_ p: UnsafePointer<UInt8>, at i: inout Int, count n: Int) -> JSONNumber? {
        let start = i
        var k = i
        var negative = false
        if k < n && p[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        guard k < n else { return nil }
        var mantissa: UInt64 = 0
        var digits = 0          // significant digits in `mantissa` (at most 19, so it cannot overflow)
        var exponent = 0        // decimal exponent of `mantissa`
        var truncated = false   // a significant digit did not fit
        // Integer part: "0" or [1-9][0-9]*.
        if p[k] == UInt8(ascii: "0") {
            k += 1
        } else if isDigit(p[k]) {
            while k < n && isDigit(p[k]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[k] &- 48)
                    digits += 1
                } else {
                    exponent += 1
                    truncated = true
                }
                k += 1
            }
        } else {
            return nil
        }
        var isInteger = true
        if k < n && p[k] == UInt8(ascii: ".") {
            isInteger = false
            k += 1
            let fractionStart = k
            while k < n && isDigit(p[k]) {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(p[k] &- 48)
                    if mantissa != 0 { digits += 1 }   // leading zeros of 0.000x are not significant
                    exponent -= 1
                } else {
                    truncated = true
                }
                k += 1
            }
            if k == fractionStart { return nil }
        }
        if k < n && (p[k] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            k += 1
            var expNegative = false
            if k < n && (p[k] == UInt8(ascii: "+") || p[k] == UInt8(ascii: "-")) {
                expNegative = p[k] == UInt8(ascii: "-")
                k += 1
            }
            let expStart = k
            var e = 0
            while k < n && isDigit(p[k]) {
                if e < 100_000 { e = e * 10 + Int(p[k] &- 48) }
                k += 1
            }
            if k == expStart { return nil }
            exponent += expNegative ? -e : e
        }
        i = k

        var int64: Int64? = nil
        if isInteger && !truncated {
            if negative {
                if mantissa <= UInt64(Int64.max) + 1 { int64 = mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa) }
            } else if mantissa <= UInt64(Int64.max) {
                int64 = Int64(mantissa)
            }
        }
        let magnitude: Double
        if !truncated, let d = toDouble(mantissa, exponent) {
            magnitude = d
        } else {
            return JSONNumber(double: slowPath(p + start, count: k - start), int64: int64)
        }
        return JSONNumber(double: negative ? -magnitude : magnitude, int64: int64)
    }

    /// `w` × 10^`q` correctly rounded, for an exact `w` of at most 19 digits; nil in the rare case
    /// that needs more precision than 128 bits give (then strtod decides).
    @inline(__always)
    public static func toDouble(_ w: UInt64, _ q: Int) -> Double? {
        if w == 0 { return 0 }
        // Clinger's fast path: w and 10^|q| are exact doubles, so one IEEE operation rounds once.
        if w < (1 << 53) && q >= -22 && q <= 22 {
            let d = Double(w)
            return q < 0 ? d / exactPowerOfTen(-q) : d * exactPowerOfTen(q)
        }
        return eiselLemire(w, q)
    }

    /// The Eisel-Lemire algorithm (D. Lemire, "Number Parsing at a Gigabyte per Second", 2021, §5–6):
    /// multiply the normalised `w` by a 128-bit truncation of 5^q, keep the top 54 bits and round to
    /// nearest even. nil when the truncation leaves the rounding undecided.
    static func eiselLemire(_ w: UInt64, _ q: Int) -> Double? {
        guard w != 0, q >= PowersOfFive.smallest, q <= PowersOfFive.largest else { return nil }
        let lz = w.leadingZeroBitCount
        let x = w << UInt64(lz)
        let index = 2 * (q - PowersOfFive.smallest)
        let (hi, lo) = PowersOfFive.table.withUnsafeBufferPointer { ($0[index], $0[index + 1]) }
        var (high, low) = x.multipliedFullWidth(by: hi)
        // The top 55 bits decide; when the bits below them are all ones, the low half of 5^q may carry in.
        if high & 0x1FF == 0x1FF {
            let (carryIn, _) = x.multipliedFullWidth(by: lo)
            let (sum, overflow) = low.addingReportingOverflow(carryIn)
            low = sum
            if overflow { high &+= 1 }
            // Still all ones: the product may be just below a carry that the truncated table hides.
            // Outside q in [-27, 55] the product is not exact, so this is undecided.
            if low == .max && (q < -27 || q > 55) { return nil }
        }
        let upperBit = Int(high >> 63)
        let shift = UInt64(upperBit + 9)
        var mantissa = high >> shift
        // floor(q × log2(10)) + 63, then the IEEE bias.
        var power2 = (((152_170 + 65_536) * q) >> 16) + 63 + upperBit - lz + 1023
        if power2 <= 0 {
            // Subnormal: shift into place and round; it may round up into the smallest normal.
            if -power2 + 1 >= 64 { return 0 }
            mantissa >>= UInt64(-power2 + 1)
            mantissa += mantissa & 1
            mantissa >>= 1
            return Double(bitPattern: mantissa)   // a carry into bit 52 is the smallest normal's exponent
        }
        // An exact tie (possible only when 5^q is exact in 64 bits) rounds to even, not up.
        if low <= 1 && q >= -4 && q <= 23 && mantissa & 3 == 1 && mantissa << shift == high {
            mantissa &= ~1
        }
        mantissa += mantissa & 1
        mantissa >>= 1
        if mantissa >= (2 << 52) {
            mantissa = 1 << 52
            power2 += 1
        }
        mantissa &= ~(1 << 52)
        if power2 >= 0x7FF { return .infinity }
        return Double(bitPattern: UInt64(power2) << 52 | mantissa)
    }

    /// glibc's strtod is correctly rounded; it needs a NUL-terminated copy. Used for literals with
    /// more than 19 significant digits and the cases Eisel-Lemire leaves undecided.
    static func slowPath(_ p: UnsafePointer<UInt8>, count: Int) -> Double {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer in
            for k in 0..<count { buffer[k] = CChar(bitPattern: p[k]) }
            buffer[count] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }

    @inlinable @inline(__always) public static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// A byte that can continue a number literal: after a complete number, one of these means the
    /// literal is malformed (`1.2.3`, `01`), not that the number ended.
    @inlinable @inline(__always) public static func continuesNumber(_ b: UInt8) -> Bool {
        isDigit(b) || b == UInt8(ascii: ".") || b | 0x20 == UInt8(ascii: "e") || b == UInt8(ascii: "+")
            || b == UInt8(ascii: "-")
    }

    /// 10^k for k in 0...22, every one exact in a Double. A switch of literals becomes a constant
    /// table: no lazily initialised global to check on each call.
    @inlinable @inline(__always) public static func exactPowerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        case 22: return 1e22
        default: preconditionFailure("10^\(k) is not exact in a Double")
        }
    }
}
