import FuzzReplay
import Models

/// libFuzzer target: a model file of any of the formats fraudscore reads (XGBoost JSON and UBJSON,
/// LightGBM text, ONNX, CatBoost .cbm and JSON), recognised by content as the server does. It loads or throws a
/// `ModelError`; a model that loads scores a row of zeros and a row of missing values.
func fuzzModels(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let (model, _) = try? ModelFormat.loadModel(bytes) else { return 0 }
    let width = model.featureNames.count
    guard width <= 4096 else { return 0 }
    var rows = [Double](repeating: 0, count: width) + [Double](repeating: .nan, count: width)
    var out = [Double](repeating: 0, count: 2)
    rows.withUnsafeMutableBufferPointer { r in
        out.withUnsafeMutableBufferPointer { model.predict(rows: UnsafeBufferPointer(r), into: $0) }
    }
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzModels) }
}
