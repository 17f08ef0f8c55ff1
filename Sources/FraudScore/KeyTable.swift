/// Maps the byte strings of known JSON keys to small integers without allocating per lookup
/// (open addressing on an FNV-1a hash; the table is built once per model).
struct KeyTable: Sendable {
    private var keys: [[UInt8]?]
    private var values: [Int]
    private let mask: Int

    init(_ entries: [(String, Int)]) {
        var size = 16
        while size < entries.count * 4 { size <<= 1 }
        mask = size - 1
        keys = Array(repeating: nil, count: size)
        values = Array(repeating: 0, count: size)
        for (key, value) in entries {
            let bytes = Array(key.utf8)
            var i = KeyTable.hash(bytes.withUnsafeBytes { $0 }) & mask
            while let existing = keys[i], existing != bytes { i = (i + 1) & mask }
            keys[i] = bytes
            values[i] = value
        }
    }

    func lookup(_ key: UnsafeRawBufferPointer) -> Int? {
        var i = KeyTable.hash(key) & mask
        while let candidate = keys[i] {
            if candidate.count == key.count && candidate.withUnsafeBytes({ $0.elementsEqual(key) }) {
                return values[i]
            }
            i = (i + 1) & mask
        }
        return nil
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h = (h ^ UInt64(b)) &* 0x100_0000_01b3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }
}
