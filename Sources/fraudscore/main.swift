import ArgumentParser
import FraudScore
import HTTPServer
import Logging
import ModelStore
#if canImport(Glibc)
import Glibc
#endif

/// `fraudscore`: the command line. Every option can also come from `FRAUDSCORE_<NAME>`
/// (e.g. `--max-body-bytes` from `FRAUDSCORE_MAX_BODY_BYTES`); the command line wins.
struct FraudScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fraudscore",
        abstract: "Real-time transaction-fraud scoring service.",
        subcommands: [Serve.self, CheckModel.self, PredictFile.self, BenchModel.self, Publish.self],
        defaultSubcommand: Serve.self)
}

LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: logLevelFromEnvironment()) }
// FRAUDSCORE_* variables configure the server; the offline commands take their options explicitly.
let offline = ["check-model", "predict", "bench-model", "publish"]
if CommandLine.arguments.count > 1 && offline.contains(CommandLine.arguments[1]) {
    FraudScoreCommand.main()
} else {
    FraudScoreCommand.main(EnvironmentOptions.arguments(CommandLine.arguments, for: Serve.self))
}
