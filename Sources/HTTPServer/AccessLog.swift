#if canImport(Glibc)
import Glibc
#endif

/// Per-request log lines: JSON on stdout for a sampled share of requests, and every 5xx.
/// No request body, query or header other than the ids is ever logged (card data stays out).
public final class AccessLog: Sendable {
    /// Share of requests logged, 0...1 (responses with status >= 500 are always logged).
    public let sampleRate: Double
    let fd: Int32
    /// A request is sampled when a uniform 64-bit number is below this (all when `sampleAll`).
    let threshold: UInt64
    let sampleAll: Bool

    /// The sampled lines are at level info: `infoShown: false` (a log level above info) keeps only
    /// the 5xx lines, at level error.
    public init(sampleRate: Double, infoShown: Bool = true, fd: Int32 = 1) {
        self.sampleRate = infoShown ? min(1, max(0, sampleRate.isNaN ? 0 : sampleRate)) : 0
        self.fd = fd
        sampleAll = self.sampleRate >= 1
        threshold = sampleAll ? .max : UInt64(self.sampleRate * 18_446_744_073_709_551_616.0)
    }
}
