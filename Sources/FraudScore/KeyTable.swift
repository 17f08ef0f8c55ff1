#if canImport(Glibc)
import Glibc
#endif

import JSON

/// Maps the byte strings of known JSON keys to small integers without allocating per lookup.
///
/// Open addressing over a hash of the key's length and its first, middle and last eight bytes
/// (enough to tell the handbook's feature names apart, which differ mid-string); a hit is
/// confirmed with memcmp against one flat byte array. Built once per model.
struct KeyTable: Sendable {
    private struct Bucket: Sendable {
        var offset: Int32 = -1   // into `text`; -1 = empty
        var length: Int32 = 0
        var value: Int32 = 0
    }

    private var slots: [Bucket]
    private var text: [UInt8] = []
    private let mask: Int

    init(_ entries: [(String, Int)]) {
        var size = 16
        while size < entries.count * 4 { size <<= 1 }
        mask = size - 1
        slots = Array(repeating: Bucket(), count: size)
        for (key, value) in entries {
            let bytes = Array(key.utf8)
            guard bytes.withUnsafeBytes({ lookup($0) }) == nil else { continue }
            var i = bytes.withUnsafeBytes { KeyTable.hash($0) } & mask
            while slots[i].offset >= 0 { i = (i + 1) & mask }
            slots[i] = Bucket(offset: Int32(text.count), length: Int32(bytes.count), value: Int32(value))
            text += bytes
        }
    }

    func lookup(_ key: UnsafeRawBufferPointer) -> Int? {
        var i = KeyTable.hash(key) & mask
        return slots.withUnsafeBufferPointer { slots in
            text.withUnsafeBytes { text in
                while true {
                    let slot = slots[i]
                    if slot.offset < 0 { return nil }
                    if Int(slot.length) == key.count
                        && (key.count == 0 || JSONScanner.bytesEqual(text.baseAddress! + Int(slot.offset), key.baseAddress!, key.count)) {
                        return Int(slot.value)
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = bytes.count
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        if n >= 8 {
            let p = bytes.baseAddress!
            h ^= p.loadUnaligned(as: UInt64.self)
            h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
            h ^= p.loadUnaligned(fromByteOffset: (n - 8) / 2, as: UInt64.self)
            h = (h ^ (h >> 29)) &* 0x94D0_49BB_1331_11EB
            h ^= p.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        h = (h ^ (h >> 31)) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }
}
