import ArgumentParser
import FraudScore
import Foundation
import JSON
import ModelStore

/// `fraudscore predict`: offline batch scoring of a JSON-lines or CSV file through the same decoder
/// and model as the server, with a progress bar when stderr is a terminal.
struct PredictFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Score a file of transactions (JSON lines or CSV with a header) offline.",
        discussion: "Writes one JSON result per input row, in order: the /predict response, or its errors.")

    @Option(help: "Model file or folder.")
    var model = "models/default"
    @Option(help: "Input file: .jsonl (one transaction per line) or .csv (header row of field names). '-' reads stdin.")
    var input = "-"
    @Option(help: "Output file (JSON lines); '-' writes stdout.")
    var output = "-"
    @Option(help: "is_fraud = fraud_probability >= threshold (default: the model's, else 0.5).")
    var threshold: Double?
    @Flag(help: "Score absent features as missing values instead of reporting them.")
    var allowMissingFeatures = false
    @Option(help: "Rows scored per batch.")
    var batchSize = 4096

    @OptionGroup var featureNames: FeatureNamesOption

    func run() throws {
        let loaded = try featureNames.load(model)
        let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                                : try Data(contentsOf: URL(fileURLWithPath: input))
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        if input.lowercased().hasSuffix(".csv") {
            lines = CSVRows.asJSONObjects(lines)
        }
        let scorer = BatchScorer(loaded, scoring: ScoringConfig(threshold: threshold ?? loaded.info.threshold ?? 0.5,
                                                                allowMissingFeatures: allowMissingFeatures))
        let sink: FileHandle
        if output == "-" {
            sink = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                  let h = FileHandle(forWritingAtPath: output) else {
                throw ValidationError("cannot write \(output): check that its folder exists and is writable")
            }
            sink = h
        }
        let showProgress = isatty(2) == 1
        var done = 0
        for start in stride(from: 0, to: lines.count, by: max(1, batchSize)) {
            let chunk = lines[start..<min(lines.count, start + batchSize)].map { Array($0.utf8) }
            var buffer: [UInt8] = []
            for result in scorer.score(chunk) {
                buffer += result
                buffer.append(0x0A)
            }
            sink.write(Data(buffer))
            done += chunk.count
            if showProgress {
                let width = 30, filled = width * done / max(1, lines.count)
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(lines.count) rows".utf8))
            }
        }
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// CSV with a header row, turned into JSON objects so rows go through the same decoder as requests:
/// numbers stay numbers, empty cells are null (missing), anything else is a string.
enum CSVRows {
    static func asJSONObjects(_ lines: [String]) -> [String] {
        guard let header = lines.first.map(fields) else { return [] }
        return lines.dropFirst().map { line in
            let cells = fields(line)
            var parts: [String] = []
            for (i, name) in header.enumerated() {
                let cell = i < cells.count ? cells[i] : ""
                parts.append(quote(name) + ":" + value(cell))
            }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    /// One CSV line split into cells (RFC 4180 quoting).
    static func fields(_ line: String) -> [String] {
        var cells: [String] = [], cell = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { cell.append("\"") } else { quoted = false; if n == "," { cells.append(cell); cell = "" } else { cell.append(n) } }
                    } else { quoted = false }
                } else { cell.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(c)
            }
        }
        cells.append(cell)
        return cells
    }

    static func value(_ cell: String) -> String {
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return "null" }
        let isNumber = Array(trimmed.utf8).withUnsafeBytes { JSONNumber.parse($0) } != nil
        return isNumber ? trimmed : quote(trimmed)
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
