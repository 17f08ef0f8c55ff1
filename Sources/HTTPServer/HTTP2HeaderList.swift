import CNghttp2

/// Header fields for nghttp2: names and values in one buffer, with their spans, handed over as an
/// `nghttp2_nv` array valid for one call (nghttp2 copies them). Values are written as HTTP/1.1
/// writes them.
struct HTTP2HeaderList {
    private var storage: [UInt8] = []
    private var spans: [(name: Int, nameCount: Int, value: Int, valueCount: Int)] = []

    init() { storage.reserveCapacity(256) }

    mutating func add(_ name: String, _ value: (inout [UInt8]) -> Void) {
        let n = storage.count
        storage += name.utf8
        let v = storage.count
        value(&storage)
        spans.append((n, v - n, v, storage.count - v))
    }

    mutating func add(_ name: String, _ value: String) {
        add(name) { $0 += value.utf8 }
    }

    /// Calls `body` with the fields as an `nghttp2_nv` array and its count.
    mutating func withNV<R>(_ body: (UnsafeMutablePointer<nghttp2_nv>, Int) -> R) -> R {
        let spans = spans
        return storage.withUnsafeMutableBufferPointer { bytes in
            var nva = spans.map { s in
                nghttp2_nv(name: bytes.baseAddress! + s.name, value: bytes.baseAddress! + s.value, namelen: s.nameCount,
                           valuelen: s.valueCount, flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return nva.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}
