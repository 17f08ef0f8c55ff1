/// A short JSON fragment written into a fixed buffer with plain stores, then appended to a
/// `JSONWriter` in one copy (`JSONWriter.buffered`): for the few members of a prediction, one array
/// append instead of one per piece (each costs a capacity and uniqueness check and a call to copy).
/// Writing past `capacity` is a programming error: callers size it from their members' longest
/// forms (an Int64 is at most 20 bytes, a Double at most 24).
public struct JSONScratch: TextOutputStream {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    public private(set) var count = 0

    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Where the next `n` bytes go; counts them as written.
    @inline(__always)
    private mutating func take(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        precondition(n <= capacity - count, "JSONScratch: \(count + n) bytes exceed its capacity of \(capacity)")
        defer { count += n }
        return base + count
    }

    public mutating func raw(_ s: StaticString) {
        copy(UnsafeRawPointer(s.utf8Start), s.utf8CodeUnitCount)
    }

    /// `n` bytes from `from`, in words rather than through a call to memmove (the pieces are short).
    @inline(__always)
    private mutating func copy(_ from: UnsafeRawPointer, _ n: Int) {
        let to = UnsafeMutableRawPointer(take(n))
        guard n >= 8 else {
            for k in 0..<n { to.storeBytes(of: from.load(fromByteOffset: k, as: UInt8.self), toByteOffset: k, as: UInt8.self) }
            return
        }
        var k = 0
        while k &+ 8 < n {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
            k &+= 8
        }
        // The last word, overlapping the one before.
        to.storeBytes(of: from.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8, as: UInt64.self)
    }

    public mutating func int(_ v: Int64) {
        if v < 0 { take(1).pointee = UInt8(ascii: "-") }
        var x = v.magnitude, digits = 1, power: UInt64 = 10
        while digits < 20 && x >= power { digits &+= 1; power = power &* 10 }
        x = v.magnitude
        var at = take(digits) + digits
        repeat {  // a plain loop: a ClosedRange here went through its unspecialised Index witnesses
            let q = x / 10
            at -= 1
            at.pointee = UInt8(truncatingIfNeeded: x &- q &* 10) &+ 48
            x = q
        } while x != 0
    }

    /// As `JSONWriter.double`: Python's shortest repr, `null` when not finite.
    public mutating func double(_ v: Double) {
        guard v.isFinite else { raw("null"); return }
        v.write(to: &self)
    }

    public mutating func bool(_ v: Bool) {
        if v { raw("true") } else { raw("false") }
    }

    /// The standard library hands a number's digits here (a stack buffer of ASCII).
    public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let from = buffer.baseAddress else { return }
        copy(UnsafeRawPointer(from), buffer.count)
    }

    public mutating func write(_ string: String) {
        for b in string.utf8 { take(1).pointee = b }
    }
}

extension JSONWriter {
    /// Calls `body` with a scratch buffer of `capacity` bytes and appends what it wrote in one copy.
    @inline(__always)
    public mutating func buffered(capacity: Int, _ body: (inout JSONScratch) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var scratch = JSONScratch(base: buffer.baseAddress!, capacity: capacity)
            body(&scratch)
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: scratch.count))
        }
    }
}
