import HTTPServer
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Scoring-side metrics: decisions, rejected requests and model time, sharded by thread so the
/// event loops do not contend on one lock.
final class ScoringMetrics: Sendable {
    struct Counts: Sendable {
        var fraud = 0
        var legitimate = 0
        var rejected: [Int: Int] = [:]   // by status
        var scoringSum = 0.0
        var scoringBuckets = [Int](repeating: 0, count: HTTPMetrics.buckets.count + 1)
    }

    private let storage: [Shard]

    final class Shard: Sendable {
        let counts = Mutex(Counts())
    }

    init(shards: Int = 16) {
        storage = (0..<shards).map { _ in Shard() }
    }

    private var current: Shard {
        let id = UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))
        return storage[Int((id >> 12) % UInt(storage.count))]
    }

    func prediction(isFraud: Bool, seconds: Double) {
        current.counts.withLock { c in
            if isFraud { c.fraud += 1 } else { c.legitimate += 1 }
            c.scoringSum += seconds
            let b = HTTPMetrics.buckets.firstIndex(where: { seconds <= $0 }) ?? HTTPMetrics.buckets.count
            c.scoringBuckets[b] += 1
        }
    }

    func rejected(status: HTTPStatus) {
        current.counts.withLock { $0.rejected[status.code, default: 0] += 1 }
    }

    func total() -> Counts {
        var t = Counts()
        for s in storage {
            s.counts.withLock { c in
                t.fraud += c.fraud
                t.legitimate += c.legitimate
                for (k, v) in c.rejected { t.rejected[k, default: 0] += v }
                t.scoringSum += c.scoringSum
                for i in 0..<t.scoringBuckets.count { t.scoringBuckets[i] += c.scoringBuckets[i] }
            }
        }
        return t
    }
}
