/// Spreads the moment a new version starts serving across the replicas of a fleet: each replica
/// waits a delay within `windowMs` that a hash of its name fixes (FNV-1a, 64 bits), counted from the
/// poll that first found the version. A bad version that passes every check thus meets traffic on a
/// few replicas first, and an operator who sees it there pins or rolls back before the rest follow.
/// The first version a replica serves, a swap back to the previous version and admin actions are
/// not delayed. Pure and used by the manager's thread only.
struct RolloutWindow: Sendable {
    let windowMs: Int
    /// This replica's delay: the same for every version, different between replicas.
    let delayMs: Int
    /// The version waiting for its turn: its fingerprint and when this replica first saw it.
    private(set) var waiting: (version: Int, fingerprint: String, sinceMs: UInt64)?

    init(windowMs: Int, replicaName: String) {
        self.windowMs = windowMs
        delayMs = windowMs > 0 ? Int(Self.fnv1a(replicaName) % UInt64(windowMs)) : 0
    }

    /// When `listing` may start serving on this replica (monotonic ms); remembers when it was first seen.
    mutating func eligibleAtMs(_ listing: VersionListing, nowMs: UInt64) -> UInt64 {
        if waiting?.version != listing.version || waiting?.fingerprint != listing.fingerprint {
            waiting = (listing.version, listing.fingerprint, nowMs)
        }
        return waiting!.sinceMs + UInt64(delayMs)
    }

    /// Forgets the waiting version (it serves now, or the target changed).
    mutating func clear() { waiting = nil }

    /// FNV-1a, 64 bits, over the name's UTF-8: `scripts` and tests compute the same delay in a line.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
