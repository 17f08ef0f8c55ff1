#if canImport(Glibc)
import Glibc
#endif

/// One spare byte buffer per thread. An event loop gives back a response body's storage once its
/// bytes are in the connection's output, and the next response built on that thread takes it:
/// no allocation and no free per response. Buffers larger than `maxKeptCapacity` are not kept.
public enum SpareBytes {
    public static let maxKeptCapacity = 64 * 1024

    /// The thread's slot: a `[UInt8]` in memory of its own, freed when the thread exits.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { slot in
            guard let slot else { return }
            let bytes = slot.assumingMemoryBound(to: [UInt8].self)
            bytes.deinitialize(count: 1)
            bytes.deallocate()
        }
        precondition(rc == 0, "pthread_key_create failed: \(rc)")
        return key
    }()

    /// An empty buffer with room for at least `capacity` bytes: the thread's spare if it has one.
    @inline(__always)
    public static func take(capacity: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        if let slot = pthread_getspecific(key) {
            swap(&bytes, &slot.assumingMemoryBound(to: [UInt8].self).pointee)
        }
        if bytes.capacity < capacity { bytes.reserveCapacity(capacity) }
        return bytes
    }

    /// Keeps `bytes`' storage as the thread's spare (emptied), leaving `bytes` empty.
    @inline(__always)
    public static func give(_ bytes: inout [UInt8]) {
        guard bytes.capacity > 0, bytes.capacity <= maxKeptCapacity else { return }
        let slot: UnsafeMutablePointer<[UInt8]>
        if let existing = pthread_getspecific(key) {
            slot = existing.assumingMemoryBound(to: [UInt8].self)
            guard slot.pointee.capacity == 0 else { return }  // already has one
        } else {
            slot = .allocate(capacity: 1)
            slot.initialize(to: [])
            pthread_setspecific(key, slot)
        }
        bytes.removeAll(keepingCapacity: true)
        swap(&bytes, &slot.pointee)
    }
}
