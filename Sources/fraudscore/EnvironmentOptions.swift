import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Turns `FRAUDSCORE_<NAME>` environment variables into command-line options of a command,
/// for every option the command line does not already give.
enum EnvironmentOptions {
    static func arguments<C: ParsableCommand>(_ argv: [String], for command: C.Type) -> [String] {
        var args = Array(argv.dropFirst())
        // The help text lists every option as "--name <value>" or "--name"; read the names from it.
        let usage = C.helpMessage(columns: 200)
        var seen = Set<String>()
        for line in usage.split(separator: "\n") {
            let trimmed = line.drop(while: { $0 == " " })
            guard trimmed.hasPrefix("--") else { continue }
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            let name = String(parts[0])
            guard name != "--help", name != "--version", seen.insert(name).inserted else { continue }
            let takesValue = parts.count > 1 && parts[1].hasPrefix("<")
            let envName = "FRAUDSCORE_" + name.dropFirst(2).uppercased().replacingOccurrences(of: "-", with: "_")
            guard let raw = getenv(envName) else { continue }
            let value = String(cString: raw)
            if args.contains(where: { $0 == name || $0.hasPrefix(name + "=") }) { continue }
            if takesValue {
                args += [name, value]
            } else if ["1", "true", "yes", "on"].contains(value.lowercased()) {
                args.append(name)
            }
        }
        return args
    }
}

extension String {
    func replacingOccurrences(of a: Character, with b: Character) -> String {
        String(map { $0 == a ? b : $0 })
    }
}
