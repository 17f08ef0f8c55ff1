import FuzzReplay
import Models

/// libFuzzer target: a model file of any of the formats fraudscore reads (XGBoost JSON and UBJSON,
/// LightGBM text, ONNX, CatBoost .cbm and JSON), recognised by content as the server does. It loads or throws a
/// `ModelError`; a model that loads scores a batch of nine rows (zeros, missing values, infinities and
/// mixtures: enough for tree ensembles' block kernel) and each row alone, which must agree bit for bit
/// (or both be NaN).
func fuzzModels(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (model, _) = try? ModelFormat.loadModel(bytes) else { return 0 }
    let width = model.featureNames.count
    guard width <= 4096 else { return 0 }
    let values: [Double] = [0, .nan, .infinity, -.infinity, 0.5, -1, 1e30, 3, 0.25]
    let count = values.count
    // Row r: feature k is values[(r + k) % count], so every row differs and each mixes kinds of values.
    let rows = (0..<(count * width)).map { i in values[(i / width + i % width) % count] }
    var out = [Double](repeating: 0, count: count)
    rows.withUnsafeBufferPointer { r in
        out.withUnsafeMutableBufferPointer { model.predict(rows: r, into: $0) }
    }
    for r in 0..<count {
        let one = rows.withUnsafeBufferPointer { model.predict(UnsafeBufferPointer(rebasing: $0[(r * width)..<((r + 1) * width)])) }
        if one.bitPattern != out[r].bitPattern && !(one.isNaN && out[r].isNaN) {
            fatalError("row \(r): batch \(out[r]) but alone \(one)")
        }
    }
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzModels) }
}
