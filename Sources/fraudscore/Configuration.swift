import ArgumentParser
import JSON
import ModelStore
import Yams
#if canImport(Glibc)
import Glibc
#endif

/// The effective options of a command from four sources, highest first: the command line,
/// `FRAUDSCORE_<NAME>` environment variables, a YAML file (`--config` or `FRAUDSCORE_CONFIG`;
/// keys are option names) and the defaults. The result is an argument list for ArgumentParser,
/// which checks types and ranges, plus where each value came from (for `config print`).
struct Configuration {
    struct Option {
        let name: String
        let takesValue: Bool
        let defaultValue: String?
        /// Masked by `config print`.
        var isSecret: Bool { name.hasSuffix("token") || name.hasSuffix("secret") || name.hasSuffix("password") }
        var environmentName: String {
            "FRAUDSCORE_" + String(name.uppercased().map { $0 == "-" ? "_" : $0 })
        }
    }

    enum Source: Equatable {
        case commandLine, environment(String), file(String, line: Int), defaultValue

        var description: String {
            switch self {
            case .commandLine: return "command line"
            case .environment(let name): return "environment \(name)"
            case .file(let path, let line): return "\(path):\(line)"
            case .defaultValue: return "default"
            }
        }
    }

    let options: [Option]
    /// The command line after merging, as ArgumentParser will parse it.
    private(set) var arguments: [String]
    /// Option name → (value, source) for every option given by any source.
    private(set) var given: [String: (value: String, source: Source)] = [:]
    /// Problems in the configuration file or environment, one message each.
    private(set) var problems: [String] = []
    private(set) var configPath: String?

    static let fileOption = "config"
    static let trueWords: Set<String> = ["1", "true", "yes", "on"]
    static let falseWords: Set<String> = ["0", "false", "no", "off"]

    init<C: ParsableCommand>(commandLine: [String], for command: C.Type,
                             environment: (String) -> String? = Configuration.processEnvironment) {
        options = Configuration.options(of: command)
        arguments = commandLine
        for option in options {
            if let value = Configuration.commandLineValue(of: option, in: commandLine) {
                given[option.name] = (value, .commandLine)
            }
        }
        for option in options where given[option.name] == nil {
            guard let value = environment(option.environmentName) else { continue }
            add(option, value, source: .environment(option.environmentName))
        }
        if let path = given[Configuration.fileOption]?.value {
            configPath = path
            loadFile(path)
        }
    }

    /// Every problem as one line; nil when there is none.
    var problemReport: String? {
        problems.isEmpty ? nil : problems.map { "error: " + $0 }.joined(separator: "\n")
    }

    /// Lines saying where the values named in an ArgumentParser error came from, when not the command line.
    func provenance(of message: String) -> [String] {
        options.compactMap { option in
            guard let entry = given[option.name], entry.source != .commandLine,
                  message.contains("--" + option.name + " ") || message.contains("--" + option.name + "'")
                    || message.hasSuffix("--" + option.name) else { return nil }
            return "note: --\(option.name) '\(option.isSecret ? "****" : entry.value)' came from \(entry.source.description)"
        }
    }

    static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Records a value from the environment or the file and appends it to the arguments.
    private mutating func add(_ option: Option, _ value: String, source: Source) {
        if option.takesValue {
            arguments += ["--" + option.name, value]
            given[option.name] = (value, source)
        } else if Configuration.trueWords.contains(value.lowercased()) {
            arguments.append("--" + option.name)
            given[option.name] = ("true", source)
        } else if Configuration.falseWords.contains(value.lowercased()) {
            given[option.name] = ("false", source)
        } else {
            problems.append("\(source.description): \(option.name) is a switch: use true or false, not '\(value)'")
        }
    }

    private mutating func loadFile(_ path: String) {
        guard let bytes = try? FileSystem.readAll(path, limit: 1 << 20) else {
            problems.append("--config \(path): cannot read the file")
            return
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: bytes, as: UTF8.self))
        } catch {
            problems.append("\(path): not valid YAML: \(error)")
            return
        }
        guard let root else { return }  // an empty file sets nothing
        guard case .mapping(let mapping) = root else {
            problems.append("\(path): expected a mapping of option names to values (port: 8080)")
            return
        }
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 0
            let location = "\(path):\(line)"
            guard let rawKey = keyNode.scalar?.string else {
                problems.append("\(location): option names must be plain text")
                continue
            }
            let key = String(rawKey.lowercased().map { $0 == "_" ? "-" : $0 })
            guard key != Configuration.fileOption else {
                problems.append("\(location): a configuration file cannot name another (config)")
                continue
            }
            guard let option = options.first(where: { $0.name == key }) else {
                problems.append("\(location): unknown option '\(rawKey)'" + suggestion(for: key))
                continue
            }
            guard given[key] == nil else { continue }  // the command line or environment wins
            switch valueNode {
            case .scalar(let scalar):
                if valueNode.null != nil { continue }
                add(option, scalar.string, source: .file(path, line: line))
            case .sequence(let items):
                let strings = items.compactMap { $0.scalar?.string }
                guard strings.count == items.count, option.takesValue else {
                    problems.append("\(location): \(rawKey) takes one value, not a list")
                    continue
                }
                add(option, strings.joined(separator: ","), source: .file(path, line: line))
            default:
                problems.append("\(location): \(rawKey) takes a single value, not a mapping")
            }
        }
    }

    private func suggestion(for key: String) -> String {
        let close = options.map(\.name).filter { Configuration.editDistance($0, key) <= 2 }
        return close.isEmpty ? " (fraudscore serve --help lists them)" : " (did you mean '\(close[0])'?)"
    }

    /// Levenshtein distance, one row at a time.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var diagonal = row[0]
            row[0] = i + 1
            for (j, y) in b.enumerated() {
                let above = row[j + 1]
                row[j + 1] = min(above + 1, row[j] + 1, diagonal + (x == y ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }

    /// The value the command line gives `option` (its last occurrence), if any.
    static func commandLineValue(of option: Option, in args: [String]) -> String? {
        let flag = "--" + option.name
        var found: String?
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { break }
            if a == flag {
                if option.takesValue {
                    found = i + 1 < args.count ? args[i + 1] : ""
                    i += 1
                } else {
                    found = "true"
                }
            } else if option.takesValue, a.hasPrefix(flag + "=") {
                found = String(a.dropFirst(flag.count + 1))
            }
            i += 1
        }
        return found
    }

    /// The command's long options, their kinds and defaults, from ArgumentParser's own description.
    static func options<C: ParsableCommand>(of command: C.Type) -> [Option] {
        guard let dump = try? JSONValue.parse(Array(command._dumpHelp().utf8)),
              case .array(let arguments)? = dump["command"]?["arguments"] else { return [] }
        return arguments.compactMap { argument in
            guard case .array(let names)? = argument["names"],
                  let long = names.first(where: { $0["kind"]?.stringValue == "long" })?["name"]?.stringValue,
                  long != "help", long != "version" else { return nil }
            let kind = argument["kind"]?.stringValue
            guard kind == "option" || kind == "flag" else { return nil }
            return Option(name: long, takesValue: kind == "option", defaultValue: argument["defaultValue"]?.stringValue)
        }
    }
}
