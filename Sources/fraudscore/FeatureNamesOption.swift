import ArgumentParser
import Foundation
import ModelStore
import Support

/// `--features` for the offline commands, and loading their model the way they all report failure.
struct FeatureNamesOption: ParsableArguments {
    @Option(help: "Column names, comma-separated, for a model file that does not name its inputs (ONNX), if no features.json is beside it.")
    var features: String?

    /// The model at `path`, or the reason on stderr and exit code 2.
    func load(_ path: String) throws -> LoadedModel {
        do {
            return try ModelLoader.load(path: path, features: features.map(parseFeatureList))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// `--features a,b,c` → ["a", "b", "c"].
func parseFeatureList(_ raw: String) -> [String] {
    raw.split(separator: ",").map { String($0).trimming(" ") }.filter { !$0.isEmpty }
}
