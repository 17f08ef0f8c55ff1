import Synchronization

/// A `Mutex` in a class, so locked values can sit in arrays (a `Mutex` cannot be copied): the shards
/// of a sharded structure, each behind its own lock.
public final class LockedBox<Value: ~Copyable & Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: consuming sending Value) {
        mutex = Mutex(value)
    }

    @inline(__always)
    public func withLock<Result: ~Copyable, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        try mutex.withLock(body)
    }
}
