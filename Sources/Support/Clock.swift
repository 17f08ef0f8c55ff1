#if canImport(Glibc)
import Glibc
#endif

/// The project's clocks: vDSO calls, no system call. Inlinable: the request path reads them several
/// times per request.
public enum Clock {
    /// Monotonic milliseconds (resolution a few ms), for deadlines.
    @inlinable
    public static func monotonicMs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    /// Monotonic seconds with nanosecond resolution, for timing requests and model loads.
    @inlinable
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Wall-clock seconds since the epoch (resolution a few ms).
    @inlinable
    public static func wallSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return ts.tv_sec
    }

    /// Wall-clock time since the epoch: seconds and nanoseconds.
    public static func wallTime() -> (seconds: Int, nanoseconds: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return (ts.tv_sec, ts.tv_nsec)
    }
}
