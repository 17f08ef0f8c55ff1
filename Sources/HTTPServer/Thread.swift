import CEpoll
import Support
#if canImport(Glibc)
import Glibc
#endif

/// A joinable OS thread running a closure; event loops run on these, not on Swift's task pool.
public struct OSThread: Sendable {
    private let handle: pthread_t

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    public init(name: String, _ body: @escaping @Sendable () -> Void) throws {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw SystemError(call: "pthread_create", errno: rc)
        }
        pthread_setname_np(t, String(name.prefix(15)))
        handle = t
    }

    /// Lets the thread end on its own, unjoined (one stuck in a system call that nothing can interrupt).
    public func detach() {
        _ = pthread_detach(handle)
    }

    /// Waits for the thread to end. Joining twice, or from the thread itself, is a programming error.
    public func join() {
        let rc = pthread_join(handle, nil)
        precondition(rc == 0, "pthread_join: \(SystemError(call: "pthread_join", errno: rc).reason)")
    }
}
