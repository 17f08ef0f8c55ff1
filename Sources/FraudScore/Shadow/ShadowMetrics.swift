import Support
import Synchronization

/// What the shadow found, for `/metrics`: its score distribution, decisions that flip either way,
/// the gap between the two probabilities, and what was dropped. Updated by the shadow's threads.
final class ShadowMetrics: Sendable {
    static let scoreBounds: [Double] = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    static let gapBounds: [Double] = [0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]

    struct Counts {
        var scored = 0
        var scoreBuckets = [Int](repeating: 0, count: ShadowMetrics.scoreBounds.count + 1)
        var scoreSum = 0.0
        var gapBuckets = [Int](repeating: 0, count: ShadowMetrics.gapBounds.count + 1)
        var gapSum = 0.0
        /// Champion said fraud, shadow did not; and the other way round.
        var flipsToLegit = 0
        var flipsToFraud = 0
        /// Requests the shadow could not score (it needs a field the request lacks, say).
        var errors = 0
        var droppedRecords = 0
        var recordsWritten = 0
        var sinkErrors = 0
    }

    private let counts = Mutex(Counts())
    /// Requests dropped on the event loops (full or busy queue): an atomic, since a loop must not
    /// wait for a lock the scorer may hold.
    let dropped = Atomic<Int>(0)

    func update(_ body: (inout Counts) -> Void) { counts.withLock { body(&$0) } }

    var snapshot: Counts { counts.withLock { $0 } }

    static func bucket(_ value: Double, _ bounds: [Double]) -> Int {
        bounds.firstIndex { value <= $0 } ?? bounds.count
    }

    func render(into out: inout String) {
        let c = snapshot
        func counter(_ name: String, _ help: String, _ samples: [(String, Int)]) {
            PrometheusText.family("fraudscore_shadow_" + name, type: "counter", help: help,
                                  samples: samples.map { ($0.0, $0.1) }, into: &out)
        }
        func histogram(_ name: String, _ help: String, _ bounds: [Double], _ counts: [Int], _ sum: Double) {
            out += "# HELP fraudscore_shadow_\(name) \(help)\n# TYPE fraudscore_shadow_\(name) histogram\n"
            PrometheusText.histogram("fraudscore_shadow_" + name, labels: "", bounds: bounds, counts: counts, sum: sum,
                                     count: c.scored, into: &out)
        }
        counter("requests_total", "Requests offered to the shadow model, by outcome.",
                [("{outcome=\"scored\"}", c.scored), ("{outcome=\"error\"}", c.errors),
                 ("{outcome=\"dropped\"}", dropped.load(ordering: .relaxed))])
        histogram("score", "The shadow model's fraud probability.", Self.scoreBounds, c.scoreBuckets, c.scoreSum)
        histogram("gap", "|shadow - served| probability of each scored request.", Self.gapBounds, c.gapBuckets, c.gapSum)
        counter("decision_flips_total", "Requests the shadow decides differently from the served model, by direction.",
                [("{served=\"fraud\",shadow=\"legit\"}", c.flipsToLegit), ("{served=\"legit\",shadow=\"fraud\"}", c.flipsToFraud)])
        counter("records_total", "Comparison records, by fate: written to the sink, or dropped when it was too slow.",
                [("{fate=\"written\"}", c.recordsWritten), ("{fate=\"dropped\"}", c.droppedRecords)])
        counter("sink_errors_total", "Failed writes of record batches.", [("", c.sinkErrors)])
    }
}
