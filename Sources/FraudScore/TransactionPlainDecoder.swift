import JSON

/// The decoder's one-pass path for the request nearly every client sends: one object whose keys
/// are known fields without escapes, whose feature values and ids are plain numbers (no exponent,
/// at most 19 digits, ids at most 18 and whole) and whose `tx_datetime` is a plain ASCII string
/// that parses. Everything is read with the position in a register and no call per member; on
/// anything else it gives up, and `TransactionDecoder.decode` starts again on the general path,
/// which takes every body and explains every error. For what it takes, it writes exactly what the
/// general path writes (the fuzz target FuzzTransaction checks both on every input).
extension TransactionDecoder {
    /// A position in a body, for the plain path.
    private struct PlainCursor {
        let p: UnsafePointer<UInt8>
        let n: Int
        var i = 0

        @inline(__always) var atEnd: Bool { i >= n }
        @inline(__always) var byte: UInt8 { i < n ? p[i] : 0 }

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
                    if c.byte != UInt8(ascii: ":") {
                        c.skipSpace()
                        guard c.byte == UInt8(ascii: ":") else { return false }
                    }
                    c.i &+= 1
                    c.skipSpace()
                    switch code {
                    case TransactionDecoder.ignored:
                        // A handbook column the model does not use: any plain number is skipped.
                        guard c.decimal() != nil else { return false }
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
                    case TransactionDecoder.amountOnly:
                        guard let v = c.decimal() else { return false }
                        transaction.amount = v
                    default:
                        guard let v = c.decimal() else { return false }
                        let slot = code &- TransactionDecoder.featureBase
                        seen[slot] = true
                        row[slot] = v
                        if slot == amountSlot { transaction.amount = v }
                    }
                    // After a value: a comma and the next member, or the end of the object (and of the body).
                    c.skipSpace()
                    if c.byte == UInt8(ascii: ",") {
                        c.i &+= 1
                        c.skipSpace()
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
