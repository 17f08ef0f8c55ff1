/// SplitMix64 (Steele, Lea and Flood, 2014): a fast generator in which every seed gives a
/// full-period sequence. Request ids and log sampling use it; so do property tests, which need a
/// sequence that a seed replays. Not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The generator's first output for `seed`: a well-mixed 64-bit hash of a number (an id), the
    /// same on every machine, for picking a stable share of ids.
    public static func mix(_ seed: UInt64) -> UInt64 {
        var generator = SplitMix64(seed: seed)
        return generator.next()
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
