import FuzzReplay
import Models

/// libFuzzer target: a CatBoost model file, its binary `.cbm` (a FlatBuffers core read by offsets the
/// file gives) or its JSON export. It loads or throws a `ModelError`; a model that loads scores a
/// row of zeros and a row of missing values, one by one and as a batch, with the same results.
func fuzzCatBoost(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let loaded = CatBoostModel.looksLikeCBM(bytes) ? try? CatBoostModel(cbmBytes: bytes) : try? CatBoostModel(jsonBytes: bytes)
    guard let model = loaded else { return 0 }
    let width = model.featureNames.count
    guard width <= 4096 else { return 0 }
    let rows = [Double](repeating: 0, count: width) + [Double](repeating: .nan, count: width)
    var out = [Double](repeating: 0, count: 2)
    rows.withUnsafeBufferPointer { r in out.withUnsafeMutableBufferPointer { model.predict(rows: r, into: $0) } }
    for i in 0..<2 {
        let single = rows.withUnsafeBufferPointer { model.predict(UnsafeBufferPointer(rebasing: $0[(i * width)..<((i + 1) * width)])) }
        precondition(single.bitPattern == out[i].bitPattern, "batch and single-row scores differ")
    }
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzCatBoost) }
}
