import Logging
import Support
import Synchronization

/// The Redis feature store, for replicas that share history: every customer's and terminal's
/// update is one atomic script (`RedisScripts`), and everything the event loops ask goes through
/// this store's own thread, which pipelines it on one connection. The event loops never wait: they
/// queue an operation and go on; the thread answers each through its callback when its replies
/// are in (scoring and answering the request from there).
///
/// When Redis cannot be reached, operations fail at once with the reason (the request is a 503, or
/// scored without history by `--on-store-error`), readiness says so, and the thread connects again
/// with exponential backoff. A reply later than the timeout fails what is in flight the same way.
final class RedisFeatureStore: FeatureStore {
    let address: RedisAddress
    let timeoutMs: Int
    let maxPending: Int
    var name: String { address.display }
    var counts: OnlineFeatures.Counts? { nil }

    private struct Operation {
        var commands: [[[UInt8]]]
        var done: @Sendable (Result<[RedisReply], FeatureStoreError>) -> Void
    }

    private struct Queue {
        var operations: [Operation] = []
        var stopping = false
    }

    private let queue = Mutex(Queue())
    private let wake: WakeSignal
    /// Why the store cannot serve now; nil while connected.
    private let down = Mutex<String?>("connecting")
    private let log = Logger(label: "fraudscore.features")
    static let maxBackoffMs = 2_000

    init(address: RedisAddress, timeoutMs: Int, maxPending: Int) throws(FeatureStoreError) {
        self.address = address
        self.timeoutMs = timeoutMs
        self.maxPending = maxPending
        do {
            wake = try WakeSignal()
        } catch {
            throw FeatureStoreError(reason: "cannot create the store thread's wake-up descriptor: \(error)")
        }
    }

    var unavailableReason: String? { down.withLock { $0 } }

    // MARK: the event loops' side

    func record(_ transactions: [OnlineFeatures.Transaction],
                then answer: @escaping @Sendable (Result<[OnlineFeatures.Computed], FeatureStoreError>) -> Void) {
        let commands = transactions.flatMap(RedisFeatureStore.recordCommands)
        submit(commands) { result in
            answer(result.flatMap { replies in
                RedisFeatureStore.features(replies, count: transactions.count)
            })
        }
    }

    func label(_ labels: [FeedbackLabel],
               then answer: @escaping @Sendable (Result<[OnlineFeatures.LabelOutcome], FeatureStoreError>) -> Void) {
        // First where each transaction is held, then its terminal's label (two hash slots: two steps).
        submit(labels.map { [Array("GET".utf8), Array(RedisScripts.indexKey($0.transactionID).utf8)] }) { [self] found in
            let places: [RedisReply]
            switch found {
            case .success(let p): places = p
            case .failure(let e): return answer(.failure(e))
            }
            var commands: [[[UInt8]]] = [], asked: [Int] = []
            for (i, place) in places.enumerated() {
                guard let text = place.text, let colon = text.firstIndex(of: ":"),
                      let terminal = Int64(text[..<colon]), let time = Int64(text[text.index(after: colon)...]) else { continue }
                asked.append(i)
                commands.append(RedisFeatureStore.labelCommand(labels[i].transactionID, terminal: terminal, time: time,
                                                               fraud: labels[i].fraud))
            }
            if commands.isEmpty { return answer(.success(labels.map { _ in .unknown })) }
            let held = asked
            submit(commands) { result in
                answer(result.map { replies in
                    var outcomes = [OnlineFeatures.LabelOutcome](repeating: .unknown, count: labels.count)
                    for (k, i) in held.enumerated() where replies[k] == .integer(1) { outcomes[i] = .recorded }
                    return outcomes
                })
            }
        }
    }

    /// Queues commands for the store's thread; fails at once when the store is down or its queue full.
    private func submit(_ commands: [[[UInt8]]], _ done: @escaping @Sendable (Result<[RedisReply], FeatureStoreError>) -> Void) {
        if let reason = unavailableReason { return done(.failure(FeatureStoreError(reason: reason))) }
        let wasEmpty = queue.withLock { q -> Bool? in
            guard q.operations.count < maxPending, !q.stopping else { return nil }
            q.operations.append(Operation(commands: commands, done: done))
            return q.operations.count == 1
        }
        guard let wasEmpty else {
            return done(.failure(FeatureStoreError(reason: "\(maxPending) operations already wait for Redis (--feature-store-max-pending)")))
        }
        if wasEmpty { wake.signal() }
    }

    // MARK: the store's thread

    var workerThread: (name: String, body: @Sendable () -> Void)? { ("fs-features", { [self] in run() }) }

    func stop() {
        queue.withLock { $0.stopping = true }
        wake.signal()
    }

    private func run() {
        var connection: RedisConnection?
        var scripts: [String: String] = [:]
        var backoffMs = 50
        var nextAttemptMs: UInt64 = 0
        var batch: [Operation] = []
        while true {
            if connection == nil && Clock.monotonicMs() >= nextAttemptMs {
                do throws(RedisConnection.Failure) {
                    (connection, scripts) = try RedisFeatureStore.connect(address, timeoutMs: timeoutMs)
                    backoffMs = 50
                    down.withLock { $0 = nil }
                    log.info("feature store connected", metadata: ["store": "\(address.display)"])
                } catch {
                    markDown("cannot reach Redis at \(address.display): \(error)")
                    nextAttemptMs = Clock.monotonicMs() + UInt64(backoffMs / 2 + Int(SplitMix64.mix(Clock.monotonicMs()) % UInt64(backoffMs / 2 + 1)))
                    backoffMs = min(backoffMs * 2, Self.maxBackoffMs)
                }
            }
            batch.removeAll(keepingCapacity: true)
            let stopping = queue.withLock { q -> Bool in
                swap(&batch, &q.operations)
                return q.stopping
            }
            if batch.isEmpty {
                if stopping { return }
                let waitMs = connection == nil ? max(1, Int(nextAttemptMs) - Int(Clock.monotonicMs())) : 1_000
                wake.wait(timeoutMs: waitMs)
                continue
            }
            guard let c = connection else {
                let reason = unavailableReason ?? "Redis is not connected"
                for op in batch { op.done(.failure(FeatureStoreError(reason: reason))) }
                continue
            }
            if !execute(batch, on: c, scripts: scripts) {
                connection = nil
                nextAttemptMs = 0  // at once, then with backoff
            }
        }
    }

    /// Sends every operation's commands at once and answers each from its replies; false when the
    /// connection failed (what was not answered fails with the reason).
    private func execute(_ batch: [Operation], on c: RedisConnection, scripts: [String: String]) -> Bool {
        for op in batch {
            for command in op.commands { c.append(RedisFeatureStore.resolve(command, scripts)) }
        }
        for (k, op) in batch.enumerated() {
            var replies: [RedisReply] = []
            replies.reserveCapacity(op.commands.count)
            do throws(RedisConnection.Failure) {
                for _ in op.commands {
                    let reply = try c.reply()
                    if case .error(let message) = reply { throw RedisConnection.Failure(description: "Redis refused a command: \(message)") }
                    replies.append(reply)
                }
            } catch {
                let reason = "Redis at \(address.display) failed: \(error)"
                markDown(reason)
                for failed in batch[k...] { failed.done(.failure(FeatureStoreError(reason: reason))) }
                return false
            }
            op.done(.success(replies))
        }
        return true
    }

    private func markDown(_ reason: String) {
        let was = down.withLock { previous -> String? in
            defer { previous = reason }
            return previous
        }
        if was == nil || was == "connecting" { log.error("feature store unavailable", metadata: ["reason": "\(reason)"]) }
    }

    /// Connects, authenticates, selects the database and loads the scripts (their SHA1 by source).
    static func connect(_ address: RedisAddress, timeoutMs: Int) throws(RedisConnection.Failure)
        -> (connection: RedisConnection, scripts: [String: String]) {
        let c = try RedisConnection(host: address.host, port: address.port, timeoutMs: timeoutMs)
        if let password = address.password {
            _ = try c.call([Array("AUTH".utf8)] + (address.user.map { [Array($0.utf8)] } ?? []) + [Array(password.utf8)])
        }
        if address.database != 0 { _ = try c.call([Array("SELECT".utf8), Array(String(address.database).utf8)]) }
        var scripts: [String: String] = [:]
        for source in [RedisScripts.customer, RedisScripts.terminal, RedisScripts.label] {
            guard let sha = try c.call([Array("SCRIPT".utf8), Array("LOAD".utf8), Array(source.utf8)]).text else {
                throw RedisConnection.Failure(description: "SCRIPT LOAD gave no SHA1")
            }
            scripts[source] = sha
        }
        return (c, scripts)
    }

    // MARK: commands and replies

    /// `EVALSHA` is sent with the script's SHA1, which the connection knows: the first argument
    /// holds the source until then.
    private static func evalsha(_ script: String, keys: [String], args: [String]) -> [[UInt8]] {
        [Array("EVALSHA".utf8), Array(script.utf8), Array(String(keys.count).utf8)] + keys.map { Array($0.utf8) } + args.map { Array($0.utf8) }
    }

    static func resolve(_ command: [[UInt8]], _ scripts: [String: String]) -> [[UInt8]] {
        guard command.count > 1, command[0] == Array("EVALSHA".utf8),
              let sha = scripts[String(decoding: command[1], as: UTF8.self)] else { return command }
        var c = command
        c[1] = Array(sha.utf8)
        return c
    }

    /// A label for a transaction held at `terminal` and `time`.
    static func labelCommand(_ id: Int64, terminal: Int64, time: Int64, fraud: Bool) -> [[UInt8]] {
        evalsha(RedisScripts.label, keys: [RedisScripts.terminalKey(terminal)],
                args: [String(time), RedisScripts.member(id), fraud ? "1" : "0"])
    }

    /// A transaction's three commands: its customer's script, its terminal's, and where it is held
    /// (set only once: a nil reply says the transaction was already recorded).
    static func recordCommands(_ tx: OnlineFeatures.Transaction) -> [[[UInt8]]] {
        let day = OnlineFeatures.day, id = RedisScripts.member(tx.transactionID)
        let cents = Int64((tx.amount * 100).rounded())
        let delayed = tx.time - OnlineFeatures.delayDays * day
        let customerTTL = String(OnlineFeatures.customerRetention / OnlineFeatures.second + 86_400)
        let terminalTTL = String(OnlineFeatures.terminalRetention / OnlineFeatures.second + 86_400)
        return [
            evalsha(RedisScripts.customer, keys: [RedisScripts.customerKey(tx.customerID)],
                    args: [String(tx.time), id, String(cents)] + OnlineFeatures.windows.map { String(tx.time - $0 * day) }
                        + [String(OnlineFeatures.customerRetention), customerTTL]),
            evalsha(RedisScripts.terminal, keys: [RedisScripts.terminalKey(tx.terminalID)],
                    args: [String(tx.time), id, String(delayed)] + OnlineFeatures.windows.map { String(delayed - $0 * day) }
                        + [String(OnlineFeatures.terminalRetention), terminalTTL]),
            [Array("SET".utf8), Array(RedisScripts.indexKey(tx.transactionID).utf8), Array("\(tx.terminalID):\(tx.time)".utf8),
             Array("EX".utf8), Array(terminalTTL.utf8), Array("NX".utf8)],
        ]
    }

    /// The features from each transaction's three replies.
    static func features(_ replies: [RedisReply], count: Int) -> Result<[OnlineFeatures.Computed], FeatureStoreError> {
        guard replies.count == 3 * count else {
            return .failure(FeatureStoreError(reason: "Redis gave \(replies.count) replies for \(3 * count) commands"))
        }
        var out: [OnlineFeatures.Computed] = []
        for i in 0..<count {
            guard let c = replies[3 * i].integers, c.count == 8, let t = replies[3 * i + 1].integers, t.count == 8 else {
                return .failure(FeatureStoreError(reason: "unexpected reply from the feature scripts: \(replies[3 * i]), \(replies[3 * i + 1])"))
            }
            var f = OnlineFeatures.Computed()
            for lane in 0..<3 {
                f.customerCount[lane] = Int(c[2 * lane])
                f.customerAverage[lane] = (Double(c[2 * lane + 1]) / 100.0) / Double(c[2 * lane])
                f.terminalCount[lane] = Int(t[2 * lane])
                f.terminalRisk[lane] = t[2 * lane] > 0 ? Double(t[2 * lane + 1]) / Double(t[2 * lane]) : 0
            }
            f.outOfOrder = c[6] == 1 || t[6] == 1
            f.repeated = c[7] == 1
            out.append(f)
        }
        return .success(out)
    }
}
