import ArgumentParser
import FraudScore
import Foundation
import JSON
import Models
import ModelStore

/// `fraudscore check-model PATH`: for CI pipelines that produce models. Loads the model, prints its
/// schema and metadata, and scores the validation rows shipped beside it; exits non-zero with the
/// reason on any problem.
struct CheckModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-model",
        abstract: "Load a model, print its schema and metadata, and score its own validation rows.",
        discussion: """
            Validation rows are read from validation.jsonl beside the model file: one transaction per line \
            (the /predict request shape) with the library's own prediction in "expected_prob". \
            Exit codes: 0 ok, 1 a validation row disagrees, 2 the model cannot be loaded.
            """)

    @Argument(help: "Model file or folder.")
    var path: String
    @Option(help: "Largest accepted |fraudscore - expected_prob| on a validation row.")
    var tolerance: Double = 0
    @Option(help: "Validation rows (JSON lines with expected_prob); default: validation.jsonl beside the model.")
    var validation: String?

    @OptionGroup var featureNames: FeatureNamesOption

    func run() throws {
        let loaded = try featureNames.load(path)
        let m = loaded.model.metadata
        print("model:      \(loaded.info.path)")
        print("format:     \(m.format.rawValue)\(m.libraryVersion.map { " (\($0))" } ?? "")")
        print("objective:  \(m.objective) -> \(loaded.model.output.rawValue)")
        print("trees:      \(m.treeCount)")
        print("version:    \(loaded.info.version)")
        print("sha256:     \(loaded.info.sha256)")
        print("missing:    \(m.acceptsMissingValues ? "accepted (null / NaN follow the model's default path)" : "not accepted")")
        print("features:   \(loaded.model.featureNames.count)")
        for (i, name) in loaded.model.featureNames.enumerated() { print("  \(i): \(name)") }

        let rowsPath = validation ?? (URL(fileURLWithPath: loaded.info.path).deletingLastPathComponent().path + "/validation.jsonl")
        guard let text = try? String(contentsOfFile: rowsPath, encoding: .utf8) else {
            if validation != nil {
                FileHandle.standardError.write(Data("error: cannot read \(rowsPath)\n".utf8))
                throw ExitCode(1)
            }
            print("validation: none (no \(rowsPath))")
            return
        }
        let lines = text.split(separator: "\n").map { Array($0.utf8) }
        let results = BatchScorer(loaded, scoring: ScoringConfig(allowMissingFeatures: true)).score(lines)
        var worst = 0.0, exact = 0, failures: [String] = []
        for (n, (line, result)) in zip(lines, results).enumerated() {
            let expected = try? JSONValue.parse(line)["expected_prob"]?.doubleValue
            let got = try? JSONValue.parse(result)["fraud_probability"]?.doubleValue
            guard let expected, let got else {
                failures.append("line \(n + 1): \(expected == nil ? "no expected_prob" : String(decoding: result, as: UTF8.self))")
                continue
            }
            let d = abs(got - expected)
            worst = max(worst, d)
            if d == 0 { exact += 1 }
            if d > tolerance { failures.append("line \(n + 1): fraudscore \(got), expected \(expected)") }
        }
        print("validation: \(lines.count) rows from \(rowsPath): \(exact) exact, max |diff| \(worst), tolerance \(tolerance)")
        if !failures.isEmpty {
            for f in failures.prefix(10) { FileHandle.standardError.write(Data("error: \(f)\n".utf8)) }
            FileHandle.standardError.write(Data("error: \(failures.count) validation row(s) disagree\n".utf8))
            throw ExitCode(1)
        }
        print("OK")
    }
}
