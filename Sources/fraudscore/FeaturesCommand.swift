import ArgumentParser
import FraudScore
import Foundation

/// `fraudscore features …`: the online features' tools.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Tools for the online features (serve --feature-store).",
        subcommands: [FeaturesBackfill.self, FeaturesMemory.self])
}

/// `fraudscore features backfill`: past transactions and labels into a Redis feature store.
struct FeaturesBackfill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Record past transactions and their labels into a Redis feature store, so the first live transaction has its windows.",
        discussion: """
            The input is CSV with a header row, or JSON lines (.jsonl): transaction_id (or the course data's \
            tranaction_id), tx_datetime, customer_id, terminal_id, tx_amount and, optionally, the label tx_fraud \
            (or is_fraud); other columns are ignored. Transactions are recorded in time order, each label right \
            after its transaction; running it again records nothing twice. For the memory store, give the \
            same file to serve --feature-history.
            """)

    @Option(help: "History file: .csv or .jsonl.")
    var input: String
    @Option(help: "The Redis feature store: redis://[[user]:password@]host:port/db.")
    var store: String
    @Option(help: "Transactions per pipeline.")
    var chunk = 1_000

    func run() throws {
        let started = Date()
        var last = Date.distantPast
        let report = try FeatureBackfill.run(input: input, store: store, chunk: chunk) { done, total in
            guard done == total || Date().timeIntervalSince(last) >= 0.2 else { return }
            last = Date()
            let width = 30, filled = total == 0 ? width : width * done / total
            let rate = Double(done) / max(0.001, Date().timeIntervalSince(started))
            FileHandle.standardError.write(Data(String(format: "\r[%@%@] %d/%d transactions %3.0f%% %.0f/s",
                                                       String(repeating: "#", count: filled), String(repeating: ".", count: width - filled),
                                                       done, total, total == 0 ? 100 : 100 * Double(done) / Double(total), rate).utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print("recorded \(report.transactions) transactions (\(report.repeated) already held) and \(report.labels) labels "
              + String(format: "in %.1f s", Date().timeIntervalSince(started)))
    }
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
