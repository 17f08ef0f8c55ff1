import ArgumentParser
import FraudScore
import HTTPServer
import Logging
import ModelStore
import Support
#if canImport(Glibc)
import Glibc
#endif

/// `fraudscore`: the command line. Every serve option can also come from `FRAUDSCORE_<NAME>`
/// (e.g. `--max-body-bytes` from `FRAUDSCORE_MAX_BODY_BYTES`) or a `--config` YAML file; the
/// command line wins over the environment, which wins over the file (see Configuration).
struct FraudScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fraudscore",
        abstract: "Real-time transaction-fraud scoring service.",
        subcommands: [Serve.self, CheckModel.self, PredictFile.self, BenchModel.self, CompareModels.self, Publish.self,
                      ConfigCommand.self, HealthCheck.self, FeaturesCommand.self],
        defaultSubcommand: Serve.self)
}

func writeStderr(_ text: String) {
    var t = text
    t.withUTF8 { _ = try? Sys.writeAll(2, UnsafeRawBufferPointer($0)) }
}

func bootstrapLogging(level: String?, fd: Int32) {
    let parsed = level.flatMap { Logger.Level(rawValue: $0) } ?? .info
    LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: parsed, fd: fd) }
}

// The offline commands take their options explicitly and log to stderr, since their stdout
// carries their results. The server (the default command) is configured by its command line,
// FRAUDSCORE_* variables and --config, and logs JSON lines to stdout.
let offline = ["check-model", "predict", "bench-model", "publish", "config", "healthcheck"]
let arguments = Array(CommandLine.arguments.dropFirst())
if let first = arguments.first, offline.contains(first) {
    let level = arguments.firstIndex(of: "--log-level").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
    bootstrapLogging(level: level, fd: 2)
    FraudScoreCommand.main()
} else {
    let config = Configuration(commandLine: arguments, for: Serve.self)
    if let report = config.problemReport {
        writeStderr(report + "\n")
        exit(2)
    }
    bootstrapLogging(level: config.given["log-level"]?.value, fd: 1)
    do {
        var command = try FraudScoreCommand.parseAsRoot(config.arguments)
        try command.run()
    } catch {
        let notes = config.provenance(of: FraudScoreCommand.message(for: error))
        if notes.isEmpty { FraudScoreCommand.exit(withError: error) }
        writeStderr(FraudScoreCommand.fullMessage(for: error) + "\n" + notes.joined(separator: "\n") + "\n")
        exit(FraudScoreCommand.exitCode(for: error).rawValue)
    }
}
