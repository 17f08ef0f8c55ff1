import ArgumentParser
import FraudScore
import Foundation
import JSON
import ModelStore

/// `fraudscore compare-models SERVING CANDIDATE --rows FILE`: the promotion gate offline, for a
/// training pipeline that wants the server's verdict before it publishes, and for timing the gate.
struct CompareModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-models",
        abstract: "Compare two models on labeled rows with the promotion gate's paired bootstrap.",
        discussion: """
            Prints the gate's evidence as one JSON object (both metrics, the interval of candidate - serving, \
            the decision and the time it took). Exit codes: 0 accepted, 1 refused (the candidate is worse \
            with confidence 1 - alpha), 2 a model or the rows cannot be used.
            """)

    @Argument(help: "The serving model: file or folder.")
    var serving: String
    @Argument(help: "The candidate model: file or folder.")
    var candidate: String
    @Option(help: "Labeled rows: JSON lines of requests, each with its label.")
    var rows: String
    @OptionGroup var options: GateOptions
    @OptionGroup var featureNames: FeatureNamesOption

    func validate() throws {
        if let problem = options.problems.first { throw ValidationError(problem) }
    }

    func run() throws {
        let gate = PromotionGate(options.config(rows: rows))
        let servingModel = try featureNames.load(serving)
        let candidateModel = try featureNames.load(candidate)
        guard let bytes = FileManager.default.contents(atPath: rows) else {
            FileHandle.standardError.write(Data("error: cannot read --rows \(rows)\n".utf8))
            throw ExitCode(2)
        }
        do {
            print(gate.report(try gate.judge(candidate: candidateModel, serving: servingModel, rows: [UInt8](bytes))))
        } catch {
            if let evidence = error.evidence {
                print(gate.report(evidence))
                throw ExitCode(1)
            }
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }
}
