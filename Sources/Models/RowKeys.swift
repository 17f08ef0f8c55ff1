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
        let b = (x == 0 ? 0 : x).bitPattern
        return b ^ (UInt32(bitPattern: Int32(bitPattern: b) >> 31) | 0x8000_0000)
    }

    /// The column a split compares: its feature's, for missing values going left or right.
    static func column(feature: Int, defaultLeft: Bool) -> Int {
        feature * 2 + (defaultLeft ? 0 : 1)
    }

    static func fill(_ keys: UnsafeMutablePointer<UInt32>, from row: UnsafePointer<Float>, count: Int) {
        for f in 0..<count {
            let x = row[f]
            if x.isNaN {
                keys[2 * f] = 0
                keys[2 * f + 1] = .max - 1
            } else {
                let k = key(x)
                keys[2 * f] = k
                keys[2 * f + 1] = k
            }
        }
    }
}
