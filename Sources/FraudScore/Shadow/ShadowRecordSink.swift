import Logging
import ModelStore
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Writes batches of comparison records on its own thread: appended to a file, or one object per
/// batch under an S3 prefix. At most `maxPendingBatches` wait; a batch beyond that is dropped and
/// counted, so a stalled sink costs memory up to that bound and nothing else.
public final class ShadowRecordSink: Sendable {
    private struct Pending {
        var batches: [(bytes: [UInt8], records: Int)] = []
        var stopping = false
    }

    private let destination: Destination
    private let maxPending: Int
    private let pending = Mutex(Pending())
    private let wake: WakeSignal
    private let log: Logger
    /// Set by `run`, for `submit` to count into.
    private let metrics = Mutex<ShadowMetrics?>(nil)
    private let finished = Atomic<Bool>(false)
    private let finishedSignal: WakeSignal

    enum Destination: Sendable {
        case file(String)
        case s3(bucket: String, prefix: String, config: S3Config)
    }

    /// `records`: a file path, or `s3://bucket/prefix/`.
    public init(_ records: String, maxPendingBatches: Int, s3: S3Config, log: Logger) throws(StorageError) {
        if records.hasPrefix("s3://") {
            guard case .s3(let bucket, let key) = try ModelURI(records) else {
                throw .configuration("--shadow-records \(records): expected s3://bucket/prefix/")
            }
            destination = .s3(bucket: bucket, prefix: key.isEmpty || key.hasSuffix("/") ? key : key + "/", config: s3)
        } else if records.contains("://") {
            throw .configuration("--shadow-records \(records): use a file path or s3://bucket/prefix/")
        } else {
            destination = .file(records)
        }
        maxPending = maxPendingBatches
        do {
            wake = try WakeSignal()
            finishedSignal = try WakeSignal()
        } catch {
            throw .configuration("cannot create the shadow record sink's wake-up event: \(error)")
        }
        self.log = log
    }

    /// From the shadow scorer's thread: queue a batch, or drop it when the sink is behind.
    func submit(_ bytes: [UInt8], records: Int, metrics counter: ShadowMetrics) {
        metrics.withLock { if $0 == nil { $0 = counter } }
        let accepted = pending.withLock { p -> Bool in
            guard p.batches.count < maxPending else { return false }
            p.batches.append((bytes, records))
            return true
        }
        if accepted {
            wake.signal()
        } else {
            counter.update { $0.droppedRecords += records }
        }
    }

    public func stop() {
        pending.withLock { $0.stopping = true }
        wake.signal()
    }

    /// True once `run` has returned, waiting up to `timeoutMs` for it: a sink stuck in a write (a
    /// hung mount) must not hold the process's exit forever.
    public func waitUntilFinished(timeoutMs: Int) -> Bool {
        let deadline = Clock.monotonicMs() + UInt64(max(0, timeoutMs))
        while !finished.load(ordering: .acquiring) {
            let now = Clock.monotonicMs()
            if now >= deadline { return false }
            finishedSignal.wait(timeoutMs: Int(min(deadline - now, 100)))
        }
        return true
    }

    /// The sink's thread: writes batches until stopped and drained.
    public func run() {
        defer {
            finished.store(true, ordering: .releasing)
            finishedSignal.signal()
        }
        var store: S3Store?
        var sequence = 0
        while true {
            let (next, stopping) = pending.withLock { p -> ((bytes: [UInt8], records: Int)?, Bool) in
                (p.batches.isEmpty ? nil : p.batches.removeFirst(), p.stopping)
            }
            guard let batch = next else {
                if stopping { return }
                wake.wait(timeoutMs: 1_000)
                wake.consume()
                continue
            }
            let counter = metrics.withLock { $0 }
            do {
                switch destination {
                case .file(let path):
                    try append(batch.bytes, to: path)
                case .s3(let bucket, let prefix, let config):
                    if store == nil { store = try S3Store(bucket: bucket, config: config) }
                    sequence += 1
                    let key = "\(prefix)shadow-\(Clock.wallSeconds())-\(sequence).jsonl"
                    try store!.put(key, batch.bytes)
                }
                counter?.update { $0.recordsWritten += batch.records }
            } catch {
                counter?.update {
                    $0.sinkErrors += 1
                    $0.droppedRecords += batch.records
                }
                log.warning("shadow records not written", metadata: ["records": "\(batch.records)", "error": "\(error)"])
            }
        }
    }

    private func append(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let fd = try Sys.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode: 0o644)
        defer { Sys.close(fd) }
        try bytes.withUnsafeBytes { b in Result { () throws(SystemError) in try Sys.writeAll(fd, b) } }.get()
    }
}
