import ArgumentParser

/// `fraudscore config print [serve options]`: the configuration `serve` would run with.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the server's configuration.", subcommands: [PrintConfig.self])
}

struct PrintConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Print the effective serve configuration as YAML, secrets masked.",
        discussion: """
            Takes the same options as serve and applies the same precedence: command line > FRAUDSCORE_* \
            environment > --config file > default. Each line says where its value came from; the output \
            is itself a valid --config file.
            """)

    @Argument(parsing: .allUnrecognized, help: "serve's options, e.g. --config fraudscore.yaml --port 9000")
    var serveOptions: [String] = []

    func run() throws {
        let config = Configuration(commandLine: serveOptions, for: Serve.self)
        if let report = config.problemReport { throw ValidationError(report) }
        do {
            _ = try Serve.parse(config.arguments)
        } catch {
            let notes = config.provenance(of: Serve.message(for: error))
            throw ValidationError(([Serve.message(for: error)] + notes).joined(separator: "\n"))
        }
        print(config.yaml(), terminator: "")
    }
}

extension Configuration {
    /// `name: value  # source` for every option, in `--help` order.
    func yaml() -> String {
        var out = "# fraudscore serve: effective configuration\n"
            + "# precedence: command line > FRAUDSCORE_* environment > config file > default\n"
        if let configPath { out += "# config file: \(configPath)\n" }
        for option in options where option.name != Configuration.fileOption {
            let value: String, source: String
            if let entry = given[option.name] {
                value = option.isSecret ? "\"****\"" : Configuration.yamlScalar(Configuration.maskingURLCredentials(entry.value))
                source = entry.source.description
            } else if let d = option.defaultValue {
                value = Configuration.yamlScalar(d)
                source = "default"
            } else {
                value = option.takesValue ? "null" : "false"
                source = option.takesValue ? "not set" : "default"
            }
            out += "\(option.name): \(value)  # \(source)\n"
        }
        return out
    }

    /// Numbers and booleans bare; everything else double-quoted (JSON escaping is valid YAML).
    static func yamlScalar(_ s: String) -> String {
        // Decimal numbers only: Double also reads "nan", "inf" and hex, which YAML would not keep as text.
        if s == "true" || s == "false" || (Double(s) != nil && s.utf8.allSatisfy({ "0123456789.-".utf8.contains($0) })) {
            return s
        }
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 { out += "\\x" + (c.value < 16 ? "0" : "") + String(c.value, radix: 16) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }

    /// https://user:secret@host/… → https://****@host/…
    static func maskingURLCredentials(_ s: String) -> String {
        guard let scheme = s.firstRange(of: "://") else { return s }
        let rest = s[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return s }
        return String(s[..<scheme.upperBound]) + "****" + String(rest[at...])
    }
}
