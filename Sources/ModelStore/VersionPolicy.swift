/// Which version should serve after a scan, as a pure function of what the repository holds and
/// what the manager has: the shape of TF Serving's AspiredVersionPolicy, with no I/O, so every case
/// is a row of a table test. The manager carries the action out (fetch, check, swap).
enum VersionPolicy {
    /// A loaded version: its number and the fingerprint of its files when it was loaded.
    struct Held: Sendable, Equatable {
        var version: Int
        var fingerprint: String
    }

    enum Action: Sendable, Equatable {
        /// Nothing to change: the target serves, or there is nothing (new) to try.
        case keep
        /// The target is the previous version, still in memory: swap back without loading.
        case restorePrevious
        /// Load and check these in order; the first that passes serves.
        case load([VersionListing])
    }

    /// - Parameters:
    ///   - complete: the scan's complete versions, lowest first.
    ///   - pinned: the only version allowed to serve, if any.
    ///   - rejected: versions refused before, with the fingerprint they were refused with; the same
    ///     files are not tried again, changed files are.
    static func decide(complete: [VersionListing], current: Held?, previous: Held?, pinned: Int?,
                              rejected: [Int: String]) -> Action {
        let target = pinned.map { p in complete.first { $0.version == p } } ?? complete.last
        guard let target else { return .keep }
        if let current, current.version == target.version, current.fingerprint == target.fingerprint { return .keep }
        if let previous, previous.version == target.version, previous.fingerprint == target.fingerprint {
            return .restorePrevious
        }
        // The newest first; while nothing serves (and nothing is pinned), older versions after it,
        // so a bad newest version does not leave the service without a model.
        var choices = [target]
        if current == nil && pinned == nil {
            choices += complete.reversed().filter { $0.version < target.version }
        }
        choices.removeAll { rejected[$0.version] == $0.fingerprint }
        return choices.isEmpty ? .keep : .load(choices)
    }
}
