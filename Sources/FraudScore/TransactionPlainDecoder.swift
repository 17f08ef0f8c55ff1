import JSON

/// The decoder's one-pass path for the request nearly every client sends: one object whose keys
/// are known fields without escapes, whose feature values and ids are plain numbers (no exponent,
/// at most 19 digits, ids at most 18 and whole) and whose `tx_datetime` is a plain ASCII string
/// that parses. Everything is read with the position in a register and no call per member; on
/// anything else it gives up, and `TransactionDecoder.decode` starts again on the general path,
/// which takes every body and explains every error. For what it takes, it writes exactly what the
/// general path writes (the fuzz target FuzzTransaction checks both on every input).
extension TransactionDecoder {
    /// The bytes between two tokens (`,` or `:` with the whitespace around it), as the body's
    /// first member had them: most bodies repeat one layout for every member.
    private struct Gap {
        var bytes: UInt64 = 0
        var mask: UInt64 = 0
        var length = 0
    }

    /// A position in a body, for the plain path.
    private struct PlainCursor {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0

        @inline(__always) var atEnd: Bool { i >= n }
        @inline(__always) var byte: UInt8 { i < n ? p[i] : 0 }

        /// The eight bytes from `k` (the caller checks `k + 8 <= n`), the first in the low byte.
        @inline(__always)
        func load8(_ k: Int) -> UInt64 {
            UInt64(littleEndian: UnsafeRawPointer(p + k).loadUnaligned(as: UInt64.self))
        }

        /// Passes the same separator as last time (`gap`): one 8-byte compare instead of a loop
        /// over its whitespace. False (nothing passed) when the bytes differ or too few are left.
        @inline(__always)
        mutating func pass(_ gap: Gap) -> Bool {
            guard gap.length > 0, i &+ 8 <= n, load8(i) & gap.mask == gap.bytes else { return false }
            i &+= gap.length
            return true
        }

        /// The separator from `start` to the cursor, for `pass` next time (if it fits in 8 bytes).
        @inline(__always)
        func gap(from start: Int) -> Gap {
            let length = i &- start
            guard length > 0, length <= 8, start &+ 8 <= n else { return Gap() }
            let mask: UInt64 = length == 8 ? ~0 : (1 &<< UInt64(8 &* length)) &- 1
            return Gap(bytes: load8(start) & mask, mask: mask, length: length)
        }

        @inline(__always)
        mutating func skipSpace() {
            while i < n {
                switch p[i] {
                case 0x20, 0x0A, 0x0D, 0x09: i &+= 1
                default: return
                }
            }
        }

        /// Skips whitespace, then `c` if it is there.
        @inline(__always)
        mutating func take(_ c: UInt8) -> Bool {
            skipSpace()
            guard i < n && p[i] == c else { return false }
            i &+= 1
            return true
        }

        /// Digits from `k` onto `m` (wrapping: callers bound the count), `k` past them.
        @inline(__always)
        func digits(_ k: inout Int, _ m: inout UInt64) {
            while k < n && JSONNumber.isDigit(p[k]) { m = m &* 10 &+ UInt64(p[k] &- 48); k &+= 1 }
        }

        /// An optional minus sign and the digits after it, from `i`: whether it is negative, where
        /// its digits start and their value (wrapping), with `k` past them.
        @inline(__always)
        func signedDigits(_ k: inout Int) -> (negative: Bool, start: Int, m: UInt64) {
            k = i
            let negative = k < n && p[k] == UInt8(ascii: "-")
            if negative { k &+= 1 }
            var m: UInt64 = 0
            let start = k
            digits(&k, &m)
            return (negative, start, m)
        }

        /// What `JSONScanner.readShortDecimal` reads, the same way: a plain decimal of at most 19
        /// digits, not followed by anything that would continue a number.
        @inline(__always)
        mutating func decimal() -> Double? {
            var k = 0
            let (negative, intStart, whole) = signedDigits(&k)
            var m = whole
            let intDigits = k &- intStart
            guard intDigits > 0, intDigits == 1 || p[intStart] != UInt8(ascii: "0") else { return nil }
            var scale = 0
            if k < n && p[k] == UInt8(ascii: ".") {
                k &+= 1
                let fractionStart = k
                digits(&k, &m)
                scale = k &- fractionStart
                guard scale > 0 else { return nil }
            }
            guard intDigits &+ scale <= 19, k == n || !JSONNumber.continuesNumber(p[k]) else { return nil }
            let d: Double
            if m < 1 << 53 && scale <= 22 {
                d = Double(m) / JSONNumber.exactPowerOfTen(scale)  // toDouble's first case, without the call
            } else if let exact = JSONNumber.toDouble(m, -scale) {
                d = exact
            } else {
                return nil
            }
            i = k
            return negative ? -d : d
        }

        /// What `JSONScanner.readShortInteger` reads, the same way: at most 18 digits.
        @inline(__always)
        mutating func integer() -> Int64? {
            var k = 0
            let (negative, start, m) = signedDigits(&k)
            let count = k &- start
            guard count > 0, count <= 18, count == 1 || p[start] != UInt8(ascii: "0"),
                  k == n || !JSONNumber.continuesNumber(p[k]) else { return nil }
            i = k
            let v = Int64(m)
            return negative ? -v : v
        }

        /// The bytes of a string of printable ASCII without escapes, the cursor past its closing
        /// quote; nil for any other string (or none).
        @inline(__always)
        mutating func plainString() -> Range<Int>? {
            guard i < n && p[i] == UInt8(ascii: "\"") else { return nil }
            var k = i &+ 1
            let start = k
            // Eight bytes at a time while they are all printable ASCII other than `"` and `\`.
            while k &+ 8 <= n {
                let x = load8(k)
                let low = x & 0x7F7F_7F7F_7F7F_7F7F
                let quote = low ^ 0x2222_2222_2222_2222, backslash = low ^ 0x5C5C_5C5C_5C5C_5C5C
                // Per byte, no carry between bytes (each term's bytes stay below 0x100): the high bit
                // marks a byte >= 0x80, < 0x20, == 0x7F, == `"` or == `\`.
                let special = (x | ~(low &+ 0x6060_6060_6060_6060) | (low &+ 0x0101_0101_0101_0101)
                               | ~(quote &+ 0x7F7F_7F7F_7F7F_7F7F) | ~(backslash &+ 0x7F7F_7F7F_7F7F_7F7F))
                    & 0x8080_8080_8080_8080
                if special == 0 { k &+= 8; continue }
                k &+= special.trailingZeroBitCount &>> 3
                break
            }
            while k < n {
                let b = p[k]
                if b == UInt8(ascii: "\"") {
                    i = k &+ 1
                    return start..<k
                }
                guard b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") else { return nil }
                k &+= 1
            }
            return nil
        }
    }

    /// Decodes `body` if it has the plain shape (above) into `row`, `seen`, `transaction` and
    /// `found`, and returns true; false as soon as it strays from it, with part of them written.
    func decodePlain(_ body: UnsafeRawBufferPointer, into row: UnsafeMutableBufferPointer<Double>,
                     seen: UnsafeMutableBufferPointer<Bool>, transaction: inout Transaction, found: inout Found) -> Bool {
        guard let base = body.baseAddress else { return false }
        var c = PlainCursor(p: base.assumingMemoryBound(to: UInt8.self), n: body.count)
        guard c.take(UInt8(ascii: "{")) else { return false }
        return guessText.withUnsafeBytes { text in
            guesses.withUnsafeBufferPointer { guessList in
                var next = 0  // the guess for the next key (the general path's order of guesses)
                var comma = Gap(), colon = Gap()  // learnt from the first member
                c.skipSpace()
                if c.byte == UInt8(ascii: "}") {
                    c.i &+= 1
                    c.skipSpace()
                    return c.atEnd
                }
                while true {
                    // The key: the guess, compared in place, or any plain key looked up.
                    let code: Int
                    if next < guessList.count, c.byte == UInt8(ascii: "\""), case let g = guessList[next],
                       c.i &+ 1 &+ Int(g.length) < c.n, c.p[c.i &+ 1 &+ Int(g.length)] == UInt8(ascii: "\""),
                       JSONScanner.bytesEqual(UnsafeRawPointer(c.p + (c.i &+ 1)), text.baseAddress! + Int(g.offset), Int(g.length)) {
                        c.i &+= Int(g.length) &+ 2
                        code = Int(g.code)
                        next &+= 1
                    } else {
                        guard let key = c.plainString(),
                              let known = keys.lookup(UnsafeRawBufferPointer(rebasing: body[key])) else { return false }
                        code = known
                        if guessIndex[code] >= 0 { next = Int(guessIndex[code]) &+ 1 }
                    }
                    if !c.pass(colon) {
                        let start = c.i
                        c.skipSpace()
                        guard c.byte == UInt8(ascii: ":") else { return false }
                        c.i &+= 1
                        c.skipSpace()
                        if colon.length == 0 { colon = c.gap(from: start) }
                    }
                    switch code {
                    case TransactionDecoder.transactionID:
                        guard let v = c.integer() else { return false }
                        transaction.transactionID = v
                        found.sawID = true
                    case TransactionDecoder.customerID:
                        guard let v = c.integer() else { return false }
                        transaction.customerID = v
                        found.sawCustomer = true
                    case TransactionDecoder.terminalID:
                        guard let v = c.integer() else { return false }
                        transaction.terminalID = v
                        found.sawTerminal = true
                    case TransactionDecoder.datetime:
                        guard let s = c.plainString(), let t = CivilTime.parse(UnsafeRawBufferPointer(rebasing: body[s])) else {
                            return false
                        }
                        found.datetime = t
                        found.sawDatetime = true
                    default:
                        // One call site for the decimal reader: the compiler inlines it then.
                        guard let v = c.decimal() else { return false }
                        if code >= TransactionDecoder.featureBase {
                            let slot = code &- TransactionDecoder.featureBase
                            seen[slot] = true
                            row[slot] = v
                            if slot == amountSlot { transaction.amount = v }
                        } else if code == TransactionDecoder.amountOnly {
                            transaction.amount = v
                        }
                        // else TransactionDecoder.ignored: a handbook column the model does not use.
                    }
                    // After a value: a comma and the next member, or the end of the object (and of the body).
                    if c.pass(comma) {
                        c.skipSpace()  // a longer gap than the first member's
                        continue
                    }
                    let start = c.i
                    c.skipSpace()
                    if c.byte == UInt8(ascii: ",") {
                        c.i &+= 1
                        c.skipSpace()
                        if comma.length == 0 { comma = c.gap(from: start) }
                    } else if c.byte == UInt8(ascii: "}") {
                        c.i &+= 1
                        c.skipSpace()
                        return c.atEnd
                    } else {
                        return false
                    }
                }
            }
        }
    }
}
