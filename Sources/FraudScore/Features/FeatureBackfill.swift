import ModelStore
import Support

/// A warm start: past transactions and their labels recorded into a feature store before live
/// traffic, so the first live transaction already has its windows. `fraudscore features backfill`
/// writes a Redis store; `serve --feature-history` fills the memory store before the port opens.
/// Transactions are recorded in (time, transaction id) order and each label right after its
/// transaction, as the replay the exactness tests make.
public enum FeatureBackfill {
    public struct Report: Sendable {
        public var transactions = 0
        public var labels = 0
        /// Already held (a backfill run again): recorded once.
        public var repeated = 0
    }

    /// The history file's rows, or what is wrong with it.
    static func read(_ path: String) throws(FeatureStoreError) -> [HistoryFile.Row] {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readAll(path, limit: 1 << 34)
        } catch {
            throw FeatureStoreError(reason: "cannot read \(path): \(error)")
        }
        do {
            return try HistoryFile.rows(String(decoding: bytes, as: UTF8.self), name: path)
        } catch {
            throw FeatureStoreError(reason: error.description)
        }
    }

    /// Into the memory store (`serve --feature-history`).
    static func load(_ rows: [HistoryFile.Row], into store: OnlineFeatures, progress: (Int) -> Void) -> Report {
        var report = Report()
        for (i, row) in rows.enumerated() {
            if store.record(row.transaction).repeated { report.repeated += 1 }
            if let fraud = row.fraud, store.label(row.transaction.transactionID, fraud: fraud) == .recorded { report.labels += 1 }
            report.transactions += 1
            if i % 10_000 == 0 { progress(i) }
        }
        progress(rows.count)
        return report
    }

    /// Into a Redis store at `url`, `chunk` transactions to a pipeline; `progress(done, total)`.
    public static func run(input path: String, store url: String, timeoutMs: Int = 10_000, chunk: Int = 1_000,
                           progress: (Int, Int) -> Void) throws(FeatureStoreError) -> Report {
        let address = try RedisAddress(parsing: url)
        let rows = try read(path)
        let connection: (connection: RedisConnection, scripts: [String: String])
        do {
            connection = try RedisFeatureStore.connect(address, timeoutMs: timeoutMs)
        } catch {
            throw FeatureStoreError(reason: "cannot use Redis at \(address.display): \(error)")
        }
        var report = Report()
        progress(0, rows.count)
        var start = 0
        while start < rows.count {
            let part = rows[start..<min(start + chunk, rows.count)]
            // Each transaction's three commands, then its label: all in order, one round trip.
            var expected: [Bool] = []  // true where the reply is a label's
            for row in part {
                for command in RedisFeatureStore.recordCommands(row.transaction) {
                    connection.connection.append(RedisFeatureStore.resolve(command, connection.scripts))
                    expected.append(false)
                }
                if let fraud = row.fraud {
                    connection.connection.append(RedisFeatureStore.resolve(RedisFeatureStore.labelCommand(
                        row.transaction.transactionID, terminal: row.transaction.terminalID, time: row.transaction.time,
                        fraud: fraud), connection.scripts))
                    expected.append(true)
                }
            }
            do throws(RedisConnection.Failure) {
                var k = 0
                for isLabel in expected {
                    let reply = try connection.connection.reply()
                    if case .error(let message) = reply { throw RedisConnection.Failure(description: message) }
                    if isLabel, reply == .integer(1) { report.labels += 1 }
                    if !isLabel, k % 3 == 2, reply == .null { report.repeated += 1 }
                    if !isLabel { k += 1 }
                }
            } catch {
                throw FeatureStoreError(reason: "Redis at \(address.display) failed after \(start) transactions: \(error)")
            }
            report.transactions += part.count
            start += part.count
            progress(start, rows.count)
        }
        return report
    }
}
