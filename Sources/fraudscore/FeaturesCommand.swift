import ArgumentParser
import FraudScore
import Foundation

/// `fraudscore features …`: the online features' tools.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Tools for the online features (serve --feature-store).",
        subcommands: [FeaturesMemory.self])
}

/// `fraudscore features memory`: what the in-memory store holds per customer, measured.
struct FeaturesMemory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Fill an in-memory feature store with a synthetic stream and report its resident memory per customer.",
        discussion: """
            The process's resident set size (VmRSS) is read before and after recording --days of \
            transactions for --customers customers, each making --per-customer-day a day at --terminals \
            terminals; the difference, per million customers, is what a replica serving that population \
            with --feature-store memory holds (30 days of each customer's transactions, 37 of each terminal's, \
            and the index labels reach transactions by).
            """)

    @Option(help: "Customers in the stream.")
    var customers = 1_000_000
    @Option(help: "Terminals in the stream.")
    var terminals = 200_000
    @Option(help: "Transactions per customer per day.")
    var perCustomerDay = 2
    @Option(help: "Days recorded (31 fills every window).")
    var days = 31

    func run() throws {
        let before = FeaturesMemory.residentBytes()
        let history = SyntheticHistory()
        let started = Date()
        history.fill(customers: customers, terminals: terminals, perCustomerDay: perCustomerDay, days: days) { done in
            FileHandle.standardError.write(Data(String(format: "\r  recording: %3.0f%%", done * 100).utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let after = FeaturesMemory.residentBytes()
        let bytes = Double(after - before)
        let seconds = Date().timeIntervalSince(started)
        print(String(format: """
            recorded %d transactions in %.1f s (%.2f µs each); the store holds %d customers, %d terminals, %d transactions
            resident memory: %.0f MB, %.0f bytes per customer, %.2f GB per million customers
            """, history.recorded, seconds, seconds * 1e6 / Double(history.recorded), history.customers, history.terminals,
                           history.transactions, bytes / 1e6, bytes / Double(history.customers),
                           bytes / Double(history.customers) * 1e6 / 1e9))
        withExtendedLifetime(history) {}
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return 0 }
        return kb * 1024
    }
}
