/// A row's Float32 values as the integer keys the tree walk compares (CTreeKernels' tree_walk.h).
///
/// A value's key orders as the value does, compared as UInt32: its bits with the sign bit flipped
/// for positive numbers and every bit flipped for negative ones (-0 is taken as +0 first, since they
/// are equal). A split's threshold gets the same key, so `key(x) >= key(t)` exactly when `x >= t`.
/// Each feature has two columns, equal unless the value is missing: NaN is 0 in the column of splits
/// that send it left (below every threshold, even -inf's) and `UInt32.max - 1` in the column of
/// those that send it right (above every threshold, below a leaf's `UInt32.max`).
enum RowKeys {
    @inline(__always)
    static func key(_ x: Float) -> UInt32 {
        let b = x.bitPattern
        let k = b ^ (UInt32(bitPattern: Int32(bitPattern: b) >> 31) | 0x8000_0000)
        return k == 0x7FFF_FFFF ? 0x8000_0000 : k  // -0's key is +0's
    }

    /// The column a split compares: its feature's, for missing values going left or right.
    static func column(feature: Int, defaultLeft: Bool) -> Int {
        feature * 2 + (defaultLeft ? 0 : 1)
    }

    @inline(__always)
    private static func put(_ x: Float, at f: Int, in keys: UnsafeMutablePointer<UInt32>) {
        let k = key(x), missing = x.isNaN
        keys[2 * f] = missing ? 0 : k
        keys[2 * f + 1] = missing ? .max - 1 : k
    }

    static func fill(_ keys: UnsafeMutablePointer<UInt32>, from row: UnsafePointer<Float>, count: Int) {
        for f in 0..<count { put(row[f], at: f, in: keys) }
    }

    /// The same for a row of Double values, each first rounded to Float32 (as XGBoost does).
    static func fill(_ keys: UnsafeMutablePointer<UInt32>, from row: UnsafePointer<Double>, count: Int) {
        for f in 0..<count { put(Float(row[f]), at: f, in: keys) }
    }
}
