import Synchronization

/// How a deferred handler answers: call `respond(_:)` once, from any thread, when the work is done
/// (a store's reply on the same loop, or another thread's result). The event loop that read the
/// request writes the answer in order on HTTP/1.1 or on its stream in HTTP/2.
///
/// A responder dropped without an answer answers 500, so a handler's bug cannot leave a client
/// waiting forever. Answers after the first are ignored.
public final class Responder: Sendable {
    private let loop: EventLoop
    private let exchange: Box
    private let answered = Atomic<Bool>(false)

    /// The exchange crosses threads only inside this box and is touched only on its loop.
    private final class Box: @unchecked Sendable {
        let exchange: PendingExchange
        init(_ exchange: PendingExchange) { self.exchange = exchange }
    }

    init(loop: EventLoop, exchange: PendingExchange) {
        self.loop = loop
        self.exchange = Box(exchange)
    }

    /// Delivers the answer; the first call wins.
    public func respond(_ response: HTTPResponse) {
        guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.deliver(exchange.exchange, response)
    }

    deinit {
        if !answered.load(ordering: .acquiring) {
            loop.deliver(exchange.exchange, .detail(.internalServerError, "The request's handler ended without an answer"))
        }
    }
}
