/// One customer's or terminal's recent transactions, in (time, transaction id) order, as the
/// handbook's offline pipeline orders them: ties at the same second go by transaction id.
///
/// Each entry carries the running total of a value up to and including itself (a customer's cents,
/// a terminal's frauds), so the total over any window is two binary searches and a subtraction,
/// however many transactions it holds. Only what changes a total walks the entries after it: a
/// transaction inserted out of order, or a label that turns a terminal's transaction into a fraud
/// or back. Forgotten entries are dropped from the front by moving a start index; the storage is
/// compacted once they are a quarter of it, so an expiry does not shift the whole history every time.
struct EntityHistory {
    /// 24 bytes: what a history holds per transaction.
    struct Entry {
        var time: Int64
        var transactionID: Int64
        /// The running total through this entry, shifted left 2; the low 2 bits are a terminal
        /// transaction's label (0 not known yet, 1 genuine, 2 fraud). Totals wrap: a window's total
        /// is a difference, exact while it is below 2^61.
        var packed: Int64

        var total: Int64 { packed >> 2 }
        var label: Int64 { packed & 3 }
    }

    /// The entries held are `storage[head...]`.
    private var storage: [Entry] = []
    private var head = 0
    /// The running total before the first entry held (what forgotten entries added up to).
    private var base: Int64 = 0

    var count: Int { storage.count - head }
    /// The newest time held.
    var newestTime: Int64 { storage.last!.time }

    /// `body` applied to this history in place (through a dictionary's subscript, without a copy).
    @inline(__always)
    mutating func update<R>(_ body: (inout EntityHistory) -> R) -> R { body(&self) }

    /// The running total before storage index `i`.
    @inline(__always)
    private func total(before i: Int) -> Int64 { i == head ? base : storage[i - 1].total }

    /// Inserts a transaction adding `value` to the total (a customer's cents; 0 for a terminal's,
    /// whose label comes later); true when it is older than the newest held (out of order).
    @discardableResult
    mutating func insert(time: Int64, transactionID: Int64, value: Int64) -> Bool {
        guard count > 0, let last = storage.last, (time, transactionID) < (last.time, last.transactionID) else {
            storage.append(Entry(time: time, transactionID: transactionID, packed: (total(before: storage.count) &+ value) &<< 2))
            return false
        }
        let at = index(after: (time, transactionID))
        storage.insert(Entry(time: time, transactionID: transactionID, packed: (total(before: at) &+ value) &<< 2), at: at)
        if value != 0 { for i in (at + 1)..<storage.count { storage[i].packed &+= value &<< 2 } }
        return true
    }

    /// Forgets entries with time at or before `cutoff` (older than any window can reach); returns
    /// their transaction ids.
    @discardableResult
    mutating func forget(atOrBefore cutoff: Int64) -> [Int64] {
        let keep = firstIndex(after: cutoff)
        guard keep > head else { return [] }
        base = storage[keep - 1].total
        let gone = storage[head..<keep].map(\.transactionID)
        head = keep
        if head >= 16 && head * 4 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return gone
    }

    /// Labels a held transaction (fraud adds 1 to the totals from it on); false when it is not held.
    mutating func label(_ transactionID: Int64, time: Int64, fraud: Bool) -> Bool {
        var i = firstIndex(after: time - 1)
        while i < storage.count, storage[i].time == time {
            if storage[i].transactionID == transactionID {
                let change: Int64 = (fraud ? 1 : 0) - (storage[i].label == 2 ? 1 : 0)
                storage[i].packed = (storage[i].packed & ~3) | (fraud ? 2 : 1)
                if change != 0 { for k in i..<storage.count { storage[k].packed &+= change &<< 2 } }
                return true
            }
            i += 1
        }
        return false
    }

    /// The first storage index whose time is after `time`.
    func firstIndex(after time: Int64) -> Int {
        var low = head, high = storage.count
        while low < high {
            let mid = (low + high) / 2
            if storage[mid].time <= time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first storage index ordered after (time, transaction id).
    func index(after key: (Int64, Int64)) -> Int {
        var low = head, high = storage.count
        while low < high {
            let mid = (low + high) / 2
            if (storage[mid].time, storage[mid].transactionID) <= key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Entries after time `from`, up to storage index `end` (exclusive): their count and what they
    /// add to the total (a customer's cents, a terminal's frauds).
    func window(after from: Int64, through end: Int) -> (count: Int, sum: Int64) {
        let start = firstIndex(after: from)
        guard start < end else { return (0, 0) }
        return (end - start, storage[end - 1].total &- total(before: start))
    }

    /// The transaction ids held, oldest first.
    var transactionIDs: [Int64] { storage[head...].map(\.transactionID) }
}
