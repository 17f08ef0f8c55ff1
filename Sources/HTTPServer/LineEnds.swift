/// The input offsets of a request head's line ends, noted once by the scan for the head's end and
/// read back by the field parser: a fixed buffer, so noting one is a store, not an array append
/// (which checks uniqueness and capacity on every call).
final class LineEnds {
    let capacity: Int
    private let storage: UnsafeMutablePointer<Int>
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// Notes `offset`; false, noting nothing, when `capacity` are noted already.
    @inline(__always)
    func append(_ offset: Int) -> Bool {
        guard count < capacity else { return false }
        storage[count] = offset
        count += 1
        return true
    }

    func removeAll() { count = 0 }

    /// The offsets noted, valid until the next `append` or `removeAll`.
    var offsets: UnsafeBufferPointer<Int> { UnsafeBufferPointer(start: storage, count: count) }
}
