import ArgumentParser
import Foundation
import JSON
import Models
import ModelStore
import Support

/// `fraudscore bench-model`: evaluation speed alone (no HTTP, no JSON), single row and batch, in
/// the format scripts/bench_models.py compares with the libraries' own.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-model",
        abstract: "Time single-row and batch evaluation of a model on rows from a JSON-lines file.")

    @Option(help: "Model file or folder.")
    var model: String
    @Option(help: "JSON lines with the model's features by name (e.g. the golden file).")
    var rows: String
    @Option(help: "Rows per batch (the file's rows repeated).")
    var batch = 10_000
    @Option(help: "Single-row calls per timing.")
    var calls = 20_000
    @Option(help: "Timings per measurement; the best is reported.")
    var repeats = 5

    func run() throws {
        let loaded = try ModelLoader.load(path: model)
        let m = loaded.model
        let width = m.featureNames.count
        let text = try String(contentsOfFile: rows, encoding: .utf8)
        var source: [Double] = []
        for line in text.split(separator: "\n") {
            let v = try JSONValue.parse(Array(line.utf8))
            source += m.featureNames.map { v[$0]?.doubleValue ?? .nan }
        }
        let sourceRows = source.count / width
        guard sourceRows > 0 else { throw ValidationError("no rows in \(rows)") }
        var tiled = [Double](repeating: 0, count: batch * width)
        for r in 0..<batch {
            let s = (r % sourceRows) * width
            for k in 0..<width { tiled[r * width + k] = source[s + k] }
        }
        var sink = 0.0
        func now() -> Double { Clock.monotonicSeconds() }
        var bestSingle = Double.infinity
        source.withUnsafeBufferPointer { src in
            for _ in 0..<repeats {
                let t0 = now()
                for c in 0..<calls {
                    let r = c % sourceRows
                    sink += m.predict(UnsafeBufferPointer(rebasing: src[(r * width)..<((r + 1) * width)]))
                }
                bestSingle = min(bestSingle, (now() - t0) / Double(calls))
            }
        }
        var out = [Double](repeating: 0, count: batch)
        var bestBatch = Double.infinity
        tiled.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                for _ in 0..<repeats {
                    let t0 = now()
                    m.predict(rows: t, into: o)
                    bestBatch = min(bestBatch, now() - t0)
                    sink += o[0]
                }
            }
        }
        let name = URL(fileURLWithPath: loaded.info.path).lastPathComponent
        print(String(format: "RESULT lib=fraudscore model=%@ single_us=%.3f batch_rows_per_s=%.0f checksum=%.6g",
                     name, bestSingle * 1e6, Double(batch) / bestBatch, sink))
    }
}
