import Logging
import Models
import Synchronization
import Support
#if canImport(Glibc)
import Glibc
#endif

/// How the manager polls and what it serves.
public struct ModelManagerConfig: Sendable {
    public var pollIntervalMs = 10_000
    /// Cap of the exponential backoff after storage errors.
    public var maxBackoffMs = 300_000
    /// Serve this version and no other (`--pin-version`); admin pin/unpin change it at run time.
    public var pinnedVersion: Int?
    /// `model_version` reported for an unversioned model (`--model-version`).
    public var versionOverride: String?
    /// The model's name in `/health`, `/v2/models/{name}` and metrics (`--model-name`; KServe
    /// passes the InferenceService's name), instead of the manifest's or metadata's.
    public var nameOverride: String?
    /// `--features`: column names for a model file that does not name them, after the manifest's
    /// and a `features.json` beside the file.
    public var features: [String]?
    /// `--rollout-window`: a new version starts serving on this replica a delay within this window
    /// after it is found, fixed by a hash of `replicaName`; 0: at once.
    public var rolloutWindowMs = 0
    /// The replica's name (the pod's, `POD_NAME` or the host name) that places it in the window.
    public var replicaName = ""

    public init() {}
}

/// Admin actions that cannot be carried out.
public enum AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    case noPreviousVersion
    case noSuchVersion(Int, available: [Int])

    public var description: String {
        switch self {
        case .noPreviousVersion: "there is no previous good version to roll back to"
        case .noSuchVersion(let v, let available):
            "version \(v) is not in the repository (complete versions: \(available.map(String.init).joined(separator: ", ")))"
        }
    }
}

/// The manager (TF Serving's "Manager" with an availability-preserving policy): polls the
/// repository, loads at most one candidate at a time, lets the gate judge it, and swaps the serving
/// model atomically. The previous good version stays loaded for an instant rollback. Storage errors
/// back off exponentially with jitter and never touch the model being served.
public final class ModelManager: Sendable {
    private struct ServedVersion {
        var version: Int
        var fingerprint: String
        var loaded: LoadedModel
        var activatedAt: Timestamp
        var status: ModelStoreStatus.Serving { .init(version: version, info: loaded.info, activatedAt: activatedAt) }
        var held: VersionPolicy.Held { .init(version: version, fingerprint: fingerprint) }
    }

    private struct State {
        var current: ServedVersion?
        var previous: ServedVersion?
        /// Rejected versions and the fingerprint they were rejected with.
        var rejected: [Int: String] = [:]
        var status: ModelStoreStatus
        var reloadRequested = false
        var stopping = false
        var rollout: RolloutWindow
        /// When the version waiting in the rollout window may serve (monotonic ms).
        var rolloutEligibleAtMs: UInt64? { rollout.waiting.map { $0.sinceMs + UInt64(rollout.delayMs) } }
    }

    /// The source and the loader are used by one thread at a time: the starting thread for
    /// `pollNow()` before `run()`, then only the manager's thread.
    private final class SourceAndLoader: @unchecked Sendable {
        let repository: ModelRepository
        let loader: VersionLoader
        init(_ repository: ModelRepository, config: ModelManagerConfig) {
            self.repository = repository
            loader = VersionLoader(repository: repository, config: config)
        }
    }

    private let box: SourceAndLoader
    private var loader: VersionLoader { box.loader }
    private let gate: any CandidateGate
    private let activate: @Sendable (LoadedModel) -> Void
    private let config: ModelManagerConfig
    private let log: Logger
    private let state: Mutex<State>
    /// The manager's thread waits on it for the poll interval; admin actions and `stop` cut the wait short.
    private let wakeSignal: WakeSignal

    public init(repository: ModelRepository, gate: any CandidateGate, config: ModelManagerConfig,
                log: Logger, activate: @escaping @Sendable (LoadedModel) -> Void) throws(SystemError) {
        box = SourceAndLoader(repository, config: config)
        self.gate = gate
        self.config = config
        self.log = log
        self.activate = activate
        var status = ModelStoreStatus(source: repository.location, pollIntervalMs: config.pollIntervalMs)
        status.pinned = config.pinnedVersion
        status.rolloutDelayMs = RolloutWindow(windowMs: config.rolloutWindowMs, replicaName: config.replicaName).delayMs
        state = Mutex(State(status: status,
                            rollout: RolloutWindow(windowMs: config.rolloutWindowMs, replicaName: config.replicaName)))
        wakeSignal = try WakeSignal()
    }

    public func status() -> ModelStoreStatus {
        state.withLock { s in
            var status = s.status
            status.current = s.current?.status
            status.previous = s.previous?.status
            return status
        }
    }

    /// Polls once on the caller's thread (startup, before `run()`); true when a model serves.
    @discardableResult
    public func pollNow() -> Bool {
        poll()
        return state.withLock { $0.current != nil }
    }

    /// The manager's loop; returns after `stop()`. Run it on a dedicated thread.
    public func run(initialDelayMs: Int = 0) {
        var delayMs = initialDelayMs
        while true {
            if delayMs > 0 { waitForWake(timeoutMs: delayMs) }
            let stopping = state.withLock { s in
                s.reloadRequested = false
                return s.stopping
            }
            if stopping { return }
            let errors = poll()
            delayMs = Self.delay(afterErrors: errors, intervalMs: config.pollIntervalMs, maxMs: config.maxBackoffMs)
            // A version waiting in the rollout window is taken at its time, not up to a poll later.
            if errors == 0, let untilMs = state.withLock({ $0.rolloutEligibleAtMs }) {
                delayMs = max(1, min(delayMs, Int(untilMs &- min(untilMs, Clock.monotonicMs()))))
            }
        }
    }

    /// Exponential backoff with equal jitter: half the step fixed, half random.
    static func delay(afterErrors errors: Int, intervalMs: Int, maxMs: Int) -> Int {
        guard errors > 0 else { return intervalMs }
        let step = min(maxMs, intervalMs << min(errors, 20))
        return max(1, step / 2 + Int.random(in: 0...(step / 2)))
    }

    public func stop() {
        state.withLock { $0.stopping = true }
        wake()
    }

    /// Polls now instead of at the next interval.
    public func reload() {
        state.withLock { $0.reloadRequested = true }
        wake()
    }

    /// Serves `version` only. Instant when it is the current or previous version; otherwise it
    /// loads on the manager's thread. Returns true when it is already serving.
    public func pin(_ version: Int) throws(AdminError) -> Bool {
        let result: Result<Bool, AdminError> = state.withLock { s in
            let known = Set(s.status.available + [s.current?.version, s.previous?.version].compactMap { $0 })
            guard known.contains(version) else {
                return .failure(.noSuchVersion(version, available: s.status.available))
            }
            s.status.pinned = version
            if s.current?.version == version { return .success(true) }
            if s.previous?.version == version {
                swapToPrevious(&s)
                return .success(true)
            }
            return .success(false)
        }
        let active = try result.get()
        log.notice("model version pinned", metadata: ["version": "\(version)"])
        if !active { reload() }
        return active
    }

    /// Goes back to following the highest complete version.
    public func unpin() {
        state.withLock { $0.status.pinned = nil }
        log.notice("model version unpinned")
        reload()
    }

    /// Serves the previous good version again, at once, and pins it (so the next poll does not
    /// bring back the version rolled away from). Returns the version now serving.
    public func rollback() throws(AdminError) -> Int {
        let result: Result<Int, AdminError> = state.withLock { s in
            guard s.previous != nil else { return .failure(.noPreviousVersion) }
            swapToPrevious(&s)
            s.status.rollbacks += 1
            s.status.pinned = s.current!.version
            return .success(s.current!.version)
        }
        let version = try result.get()
        log.notice("model rolled back", metadata: ["version": "\(version)"])
        return version
    }

    private func swapToPrevious(_ s: inout State) {
        guard var previous = s.previous else { return }
        previous.activatedAt = Timestamp.now()
        activate(previous.loaded)
        s.previous = s.current
        s.current = previous
        recordSwap(&s)
    }

    private func recordSwap(_ s: inout State) {
        s.status.swaps += 1
        s.status.lastSwapAt = .now()
    }

    // MARK: - Polling

    /// One poll: list, pick the target version, and if it differs from what serves, fetch, load,
    /// judge and swap it. Returns the number of consecutive storage errors (0 after a good poll).
    @discardableResult
    private func poll() -> Int {
        let repository = box.repository
        let scan: RepositoryScan
        do {
            scan = try repository.scan()
        } catch {
            return recordPollError(error)
        }
        let action = state.withLock { s -> VersionPolicy.Action in
            s.status.polls += 1
            s.status.lastPollAt = Timestamp.now()
            s.status.lastPollError = nil
            s.status.consecutivePollErrors = 0
            s.status.available = scan.complete.map(\.version)
            s.status.incomplete = scan.incomplete
            return VersionPolicy.decide(complete: scan.complete, current: s.current?.held, previous: s.previous?.held,
                                        pinned: s.status.pinned, rejected: s.rejected)
        }
        switch action {
        case .keep:
            return 0
        case .restorePrevious:
            let version = state.withLock { s in
                swapToPrevious(&s)
                return s.current!.version
            }
            log.info("model version swapped", metadata: ["version": "\(version)", "loaded_from": "memory"])
            return 0
        case .load(let choices):
            guard rolloutAllows(choices[0]) else { return 0 }
            for listing in choices {
                switch load(listing, layout: scan.layout) {
                case .served, .stale: return 0
                case .storageError(let e): return recordPollError(e)
                case .rejected: continue
                }
            }
            return 0
        }
    }

    /// False while a new version waits for this replica's turn in the rollout window (shown in
    /// `/models` as pending). Nothing serving yet: no wait.
    private func rolloutAllows(_ listing: VersionListing) -> Bool {
        state.withLock { s in
            guard s.current != nil, s.rollout.delayMs > 0 else {
                s.rollout.clear()
                s.status.pending = nil
                return true
            }
            let nowMs = Clock.monotonicMs()
            let eligibleMs = s.rollout.eligibleAtMs(listing, nowMs: nowMs)
            guard nowMs < eligibleMs else {
                s.rollout.clear()
                s.status.pending = nil
                return true
            }
            let waitSeconds = Int((eligibleMs - nowMs + 999) / 1000)
            s.status.pending = .init(version: listing.version, eligibleAt: Timestamp(seconds: Clock.wallSeconds() + waitSeconds),
                                     inMs: Int(eligibleMs - nowMs))
            return false
        }
    }

    private enum LoadOutcome {
        case served
        /// A pin or rollback happened meanwhile; the candidate was discarded.
        case stale
        case rejected
        case storageError(StorageError)
    }

    private func load(_ listing: VersionListing, layout: RepositoryScan.Layout) -> LoadOutcome {
        let started = Clock.monotonicSeconds()
        state.withLock {
            $0.status.candidate = .init(version: listing.version, state: .loading, error: nil, at: Timestamp.now())
        }
        let candidate: Candidate
        let evidence: PromotionEvidence?
        do {
            candidate = try loader.candidate(listing, layout: layout)
            evidence = try gate.check(candidate)
        } catch {
            if error.reason == .storage {
                state.withLock { $0.status.candidate = nil }
                return .storageError(.transfer(error.message))
            }
            state.withLock { s in
                if let refusal = error.evidence {
                    s.status.lastEvidence = refusal
                    s.status.gateRefused += 1
                }
                s.rejected[listing.version] = listing.fingerprint
                s.status.candidate = .init(version: listing.version, state: .rejected, error: error, at: Timestamp.now())
                s.status.rejections[error.reason, default: 0] += 1
            }
            log.error("model version rejected; the current version keeps serving", metadata: [
                "version": "\(listing.version)", "reason": "\(error.reason.rawValue)", "error": "\(error.message)",
            ])
            return .rejected
        }
        let swapped = state.withLock { s -> Bool in
            if let pinned = s.status.pinned, pinned != listing.version { return false }
            activate(candidate.loaded)
            if let current = s.current { s.previous = current }
            s.current = ServedVersion(version: listing.version, fingerprint: listing.fingerprint, loaded: candidate.loaded,
                             activatedAt: Timestamp.now())
            s.rejected[listing.version] = nil
            s.status.candidate = nil
            if let evidence {
                s.status.lastEvidence = evidence
                s.status.gateAccepted += 1
            }
            recordSwap(&s)
            return true
        }
        guard swapped else { return .stale }
        var metadata: Logger.Metadata = [
            "version": "\(listing.version)", "model_version": "\(candidate.loaded.info.version)",
            "sha256": "\(candidate.loaded.info.sha256)", "load_ms": "\(Int((Clock.monotonicSeconds() - started) * 1000))",
        ]
        if let evidence { metadata["gate"] = "accepted: \(evidence.summary)" }
        log.info("model version serving", metadata: metadata)
        return .served
    }

    private func recordPollError(_ error: StorageError) -> Int {
        let errors = state.withLock { s -> Int in
            s.status.pollErrors += 1
            s.status.pollErrorsByReason[error.reason, default: 0] += 1
            s.status.consecutivePollErrors += 1
            s.status.lastPollAt = Timestamp.now()
            s.status.lastPollError = error
            return s.status.consecutivePollErrors
        }
        log.warning("model storage poll failed; serving continues", metadata: [
            "source": "\(box.repository.location)", "reason": "\(error.reason.rawValue)", "error": "\(error)",
            "consecutive_errors": "\(errors)",
        ])
        return errors
    }

    // MARK: - Waking

    private func wake() {
        wakeSignal.signal()
    }

    private func waitForWake(timeoutMs: Int) {
        wakeSignal.wait(timeoutMs: timeoutMs)
    }
}
