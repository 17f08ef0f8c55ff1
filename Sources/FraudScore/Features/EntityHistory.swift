/// One customer's or terminal's recent transactions, in (time, transaction id) order, as the
/// handbook's offline pipeline orders them: ties at the same second go by transaction id.
struct EntityHistory {
    /// 24 bytes: what a customer's or terminal's history holds per transaction.
    struct Entry {
        var time: Int64
        var transactionID: Int64
        /// Customers: the amount in cents (whole cents keep sums exact). Terminals: the label,
        /// -1 not known yet, 0 genuine, 1 fraud.
        var value: Int64

        static func customer(time: Int64, transactionID: Int64, cents: Int64) -> Entry {
            Entry(time: time, transactionID: transactionID, value: cents)
        }

        static func terminal(time: Int64, transactionID: Int64) -> Entry {
            Entry(time: time, transactionID: transactionID, value: -1)
        }
    }

    private(set) var entries: [Entry] = []

    /// `body` applied to this history in place (through a dictionary's subscript, without a copy).
    @inline(__always)
    mutating func update<R>(_ body: (inout EntityHistory) -> R) -> R { body(&self) }

    /// Inserts in order; true when the entry is older than the newest already held (out of order).
    @discardableResult
    mutating func insert(_ entry: Entry) -> Bool {
        guard let last = entries.last, (entry.time, entry.transactionID) < (last.time, last.transactionID) else {
            entries.append(entry)
            return false
        }
        entries.insert(entry, at: index(after: (entry.time, entry.transactionID)))
        return true
    }

    /// Forgets entries with time at or before `cutoff` (older than any window can reach); returns them.
    @discardableResult
    mutating func forget(atOrBefore cutoff: Int64) -> ArraySlice<Entry> {
        let keep = firstIndex(after: cutoff)
        guard keep > 0 else { return [] }
        let gone = entries[..<keep]
        entries.removeFirst(keep)
        return gone
    }

    /// Sets the label of a held transaction; false when it is not held.
    mutating func label(_ transactionID: Int64, time: Int64, fraud: Bool) -> Bool {
        var i = firstIndex(after: time - 1)
        while i < entries.count, entries[i].time == time {
            if entries[i].transactionID == transactionID {
                entries[i].value = fraud ? 1 : 0
                return true
            }
            i += 1
        }
        return false
    }

    /// The first index whose time is after `time`.
    func firstIndex(after time: Int64) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].time <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first index ordered after (time, transaction id).
    func index(after key: (Int64, Int64)) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if (entries[mid].time, entries[mid].transactionID) <= key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Entries after time `from`, up to index `end` (exclusive): their count and the sum of their
    /// values (a customer's cents), and how many have value 1 (a terminal's frauds).
    func window(after from: Int64, through end: Int) -> (count: Int, sum: Int64, ones: Int) {
        var sum: Int64 = 0, ones = 0
        let start = firstIndex(after: from)
        guard start < end else { return (0, 0, 0) }
        for i in start..<end {
            sum += entries[i].value
            if entries[i].value == 1 { ones += 1 }
        }
        return (end - start, sum, ones)
    }
}
