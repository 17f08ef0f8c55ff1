/// The 128-bit powers of five of the Eisel-Lemire algorithm, 5^-342 ... 5^308: for each q the top
/// 128 bits of 5^q (q >= 0, truncated) or of its reciprocal scaled by a power of two (q < 0, rounded
/// up), as (high, low) pairs. Computed once with exact big-integer arithmetic at first use instead of
/// a 1,302-literal table in the source.
enum PowersOfFive {
    static let smallest = -342
    static let largest = 308

    static let table: [UInt64] = {
        var out: [UInt64] = []
        out.reserveCapacity(2 * (largest - smallest + 1))
        for q in smallest...largest { out += entry(q) }
        return out
    }()

    /// One entry as [high, low].
    static func entry(_ q: Int) -> [UInt64] {
        var value: BigUInt
        if q >= 0 {
            value = BigUInt.power(5, q)
            let bits = value.bitWidth
            value = bits > 128 ? value.shiftedRight(bits - 128) : value.shiftedLeft(128 - bits)
        } else {
            let p = BigUInt.power(5, -q)
            let z = p.bitWidth   // 5^k is never a power of two: the least z with 2^z >= 5^k
            // floor(2^b / 5^k) + 1 with b chosen so the quotient has at least 128 bits; floor division
            // by 5, k times, is floor division by 5^k.
            let b = q >= -27 ? z + 127 : 2 * z + 128
            var quotient = BigUInt.power(2, b)
            for _ in 0..<(-q) { quotient.divide(by: 5) }
            quotient.add(1)
            let bits = quotient.bitWidth
            value = bits > 128 ? quotient.shiftedRight(bits - 128) : quotient
        }
        return [value.word(1), value.word(0)]
    }
}

/// Just enough unsigned big-integer arithmetic for the table above: little-endian 32-bit limbs.
struct BigUInt {
    private var limbs: [UInt32]

    init(_ v: UInt32) { limbs = [v] }

    static func power(_ base: UInt32, _ exponent: Int) -> BigUInt {
        var r = BigUInt(1)
        for _ in 0..<exponent { r.multiply(by: base) }
        return r
    }

    var bitWidth: Int {
        guard let top = limbs.lastIndex(where: { $0 != 0 }) else { return 0 }
        return top * 32 + (32 - limbs[top].leadingZeroBitCount)
    }

    /// The 64-bit word `i` (0 = least significant).
    func word(_ i: Int) -> UInt64 {
        func limb(_ k: Int) -> UInt64 { k < limbs.count ? UInt64(limbs[k]) : 0 }
        return limb(2 * i) | limb(2 * i + 1) << 32
    }

    mutating func multiply(by m: UInt32) {
        var carry: UInt64 = 0
        for k in limbs.indices {
            let v = UInt64(limbs[k]) * UInt64(m) + carry
            limbs[k] = UInt32(truncatingIfNeeded: v)
            carry = v >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    mutating func divide(by d: UInt32) {
        var remainder: UInt64 = 0
        for k in limbs.indices.reversed() {
            let v = remainder << 32 | UInt64(limbs[k])
            limbs[k] = UInt32(v / UInt64(d))
            remainder = v % UInt64(d)
        }
    }

    mutating func add(_ a: UInt32) {
        var carry = UInt64(a)
        for k in limbs.indices where carry != 0 {
            let v = UInt64(limbs[k]) + carry
            limbs[k] = UInt32(truncatingIfNeeded: v)
            carry = v >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
    }

    func shiftedLeft(_ n: Int) -> BigUInt {
        var r = BigUInt(0)
        r.limbs = [UInt32](repeating: 0, count: n / 32) + limbs + [0]
        let bits = n % 32
        if bits > 0 {
            for k in stride(from: r.limbs.count - 1, through: 0, by: -1) {
                let lower = k > 0 ? r.limbs[k - 1] >> (32 - bits) : 0
                r.limbs[k] = r.limbs[k] << bits | lower
            }
        }
        return r
    }

    func shiftedRight(_ n: Int) -> BigUInt {
        var r = BigUInt(0)
        let whole = n / 32, bits = n % 32
        guard whole < limbs.count else { return r }
        r.limbs = Array(limbs[whole...])
        if bits > 0 {
            for k in r.limbs.indices {
                let upper = k + 1 < r.limbs.count ? r.limbs[k + 1] << (32 - bits) : 0
                r.limbs[k] = r.limbs[k] >> bits | upper
            }
        }
        return r
    }
}

extension JSONNumber {
    /// Builds the number parser's table of powers of five now rather than on the first number that
    /// needs it (about 120 million instructions, once): a server calls this at start, so that no
    /// request waits for it.
    public static func prepareTables() {
        _ = PowersOfFive.table.count
    }
}
