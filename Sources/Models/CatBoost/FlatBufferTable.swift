/// A read-only view of one FlatBuffers table in a byte array, every offset checked against the array:
/// a damaged or hostile file gives a `ModelError`, never a read out of bounds.
///
/// FlatBuffers layout (little-endian): a table starts with an `Int32` distance back to its vtable;
/// the vtable holds its own size, the table's size, then one `UInt16` offset per field (slot), 0
/// for a field that is absent (its default applies). Vectors, strings and sub-tables are referenced
/// by a `UInt32` offset relative to where the reference is stored; a vector starts with its
/// `UInt32` length.
struct FlatBufferTable {
    let bytes: [UInt8]
    /// Where the table starts in `bytes`.
    let position: Int
    private let vtable: Int
    private let vtableSize: Int

    /// The root table of a buffer that starts at `start` in `bytes`.
    init(root bytes: [UInt8], start: Int) throws {
        let offset = try FlatBufferTable.u32(bytes, start)
        try self.init(bytes, at: start + Int(offset))
    }

    init(_ bytes: [UInt8], at position: Int) throws {
        self.bytes = bytes
        self.position = position
        let back = Int(Int32(bitPattern: try FlatBufferTable.u32(bytes, position)))
        vtable = position - back
        vtableSize = Int(try FlatBufferTable.u16(bytes, vtable))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtable + vtableSize <= bytes.count else {
            throw FlatBufferTable.damaged
        }
    }

    static let damaged = ModelError("the CatBoost binary model is damaged: a table points outside the file")

    static func u16(_ b: [UInt8], _ at: Int) throws -> UInt16 {
        guard at >= 0, at <= b.count - 2 else { throw damaged }
        return UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func u32(_ b: [UInt8], _ at: Int) throws -> UInt32 {
        guard at >= 0, at <= b.count - 4 else { throw damaged }
        return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    static func u64(_ b: [UInt8], _ at: Int) throws -> UInt64 {
        UInt64(try u32(b, at)) | UInt64(try u32(b, at + 4)) << 32
    }

    /// Where field `slot` is stored, or nil when the table does not have it.
    private func field(_ slot: Int) throws -> Int? {
        let entry = 4 + 2 * slot
        guard entry + 2 <= vtableSize else { return nil }
        let offset = Int(try FlatBufferTable.u16(bytes, vtable + entry))
        return offset == 0 ? nil : position + offset
    }

    /// Where a reference field points to, or nil when absent.
    private func target(_ slot: Int) throws -> Int? {
        guard let at = try field(slot) else { return nil }
        return at + Int(try FlatBufferTable.u32(bytes, at))
    }

    func int32(_ slot: Int, default value: Int32) throws -> Int32 {
        guard let at = try field(slot) else { return value }
        return Int32(bitPattern: try FlatBufferTable.u32(bytes, at))
    }

    func int8(_ slot: Int, default value: Int8) throws -> Int8 {
        guard let at = try field(slot) else { return value }
        guard at < bytes.count else { throw FlatBufferTable.damaged }
        return Int8(bitPattern: bytes[at])
    }

    func double(_ slot: Int, default value: Double) throws -> Double {
        guard let at = try field(slot) else { return value }
        return Double(bitPattern: try FlatBufferTable.u64(bytes, at))
    }

    func table(_ slot: Int) throws -> FlatBufferTable? {
        guard let at = try target(slot) else { return nil }
        return try FlatBufferTable(bytes, at: at)
    }

    func string(_ slot: Int) throws -> String? {
        guard let at = try target(slot) else { return nil }
        let (start, count) = try vector(at: at, elementSize: 1)
        return String(decoding: bytes[start..<(start + count)], as: UTF8.self)
    }

    /// A vector's first element and its length, checked to fit in the file.
    private func vector(at: Int, elementSize: Int) throws -> (start: Int, count: Int) {
        let count = Int(try FlatBufferTable.u32(bytes, at))
        let start = at + 4
        guard count <= (bytes.count - start) / elementSize else { throw FlatBufferTable.damaged }
        return (start, count)
    }

    /// The number of elements of a vector field (0 when absent).
    func count(_ slot: Int) throws -> Int {
        guard let at = try target(slot) else { return 0 }
        return try vector(at: at, elementSize: 1).count
    }

    /// The elements of a vector field (none when absent), each `size` bytes read by `element` at its offset.
    private func elements<T>(_ slot: Int, size: Int, _ element: (Int) throws -> T) throws -> [T] {
        guard let at = try target(slot) else { return [] }
        let (start, count) = try vector(at: at, elementSize: size)
        return try (0..<count).map { try element(start + size * $0) }
    }

    func int32s(_ slot: Int) throws -> [Int32] {
        try elements(slot, size: 4) { Int32(bitPattern: try FlatBufferTable.u32(bytes, $0)) }
    }

    func floats(_ slot: Int) throws -> [Float] {
        try elements(slot, size: 4) { Float(bitPattern: try FlatBufferTable.u32(bytes, $0)) }
    }

    func doubles(_ slot: Int) throws -> [Double] {
        try elements(slot, size: 8) { Double(bitPattern: try FlatBufferTable.u64(bytes, $0)) }
    }

    /// A vector of tables: each element is an offset to its table, relative to where it is stored.
    func tables(_ slot: Int) throws -> [FlatBufferTable] {
        try elements(slot, size: 4) { try FlatBufferTable(bytes, at: $0 + Int(try FlatBufferTable.u32(bytes, $0))) }
    }
}
