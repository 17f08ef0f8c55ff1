import Foundation
import JSON
import Models
import TestSupport
import XCTest

/// CatBoost models in its JSON and binary formats agree with catboost's own predictions within 1e-12
/// on the 2,000 golden rows of tests/fixtures/catboost (scripts/make_catboost_fixtures.py), most of
/// which have missing values.
final class CatBoostGoldenTests: XCTestCase {
    private func bytes(_ file: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("catboost/" + file))))
    }

    private func features() throws -> [String] {
        try XCTUnwrap(try JSONValue.parse(try bytes("meta.json"))["features"]?.stringListValue)
    }

    /// Golden lines and their rows in `names` order, null as NaN.
    private func golden(_ names: [String]) throws -> [(row: [Double], line: JSONValue)] {
        let text = try String(contentsOfFile: try RepoFiles.fixture("catboost/golden_catboost.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { text in
            let line = try JSONValue.parse(Array(text.utf8))
            let request = try XCTUnwrap(line["request"])
            let row = try names.map { name -> Double in
                let value = try XCTUnwrap(request[name], name)
                return value == .null ? .nan : try XCTUnwrap(value.doubleValue, name)
            }
            return (row, line)
        }
    }

    private func check(_ stem: String, output: ModelOutput, trees: Int, missing: Bool) throws {
        let names = try features()
        var results: [[Double]] = []
        for (file, format) in [(stem + ".json", ModelFormat.catboostJSON), (stem + ".cbm", ModelFormat.catboostBinary)] {
            let data = try bytes(file)
            XCTAssertEqual(ModelFormat.detect(data), format, file)
            let (loaded, _) = try ModelFormat.loadModel(data)
            let model = try XCTUnwrap(loaded as? CatBoostModel)
            XCTAssertEqual(model.featureNames, names, file)
            XCTAssertEqual(model.output, output, file)
            XCTAssertEqual(model.treeCount, trees, file)
            XCTAssertEqual(model.metadata.acceptsMissingValues, missing, file)
            XCTAssertEqual(model.metadata.libraryVersion, "catboost 1.2.10", file)
            let rows = try golden(model.featureNames)
            XCTAssertEqual(rows.count, 2000)
            XCTAssertGreaterThan(rows.filter { $0.row.contains(where: \.isNaN) }.count, 1000, "rows with missing values")
            var worstRaw = 0.0, worstProb = 0.0, single: [Double] = []
            for (row, line) in rows {
                let raw = row.withUnsafeBufferPointer { model.raw($0) }
                worstRaw = max(worstRaw, abs(raw - line[stem + "_raw"]!.doubleValue!))
                let p = row.withUnsafeBufferPointer { model.predict($0) }
                if output == .probability {
                    worstProb = max(worstProb, abs(p - line[stem + "_prob"]!.doubleValue!))
                } else {
                    XCTAssertEqual(p, raw)
                }
                single.append(p)
            }
            XCTAssertLessThanOrEqual(worstRaw, 1e-12, "\(file): largest difference to catboost's RawFormulaVal")
            XCTAssertLessThanOrEqual(worstProb, 1e-12, "\(file): largest difference to catboost's predict_proba")
            // The batch path gives the single-row results bit for bit.
            let flat = rows.flatMap(\.row)
            var batch = [Double](repeating: .nan, count: rows.count)
            flat.withUnsafeBufferPointer { r in batch.withUnsafeMutableBufferPointer { model.predict(rows: r, into: $0) } }
            XCTAssertEqual(batch.map(\.bitPattern), single.map(\.bitPattern), file)
            results.append(single)
        }
        // Both formats hold the same model.
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
    }

    func testLoglossNanModeMinMatchesCatBoost() throws {
        try check("catboost_model", output: .probability, trees: 200, missing: true)
    }

    func testCrossEntropyNanModeMaxMatchesCatBoost() throws {
        try check("catboost_max", output: .probability, trees: 100, missing: true)
    }

    /// nan_mode Forbidden: the model does not accept missing values, yet catboost's predict scores a
    /// NaN as it finds it (every `NaN > border` false), and so does this evaluator.
    func testRMSENanModeForbiddenMatchesCatBoost() throws {
        try check("catboost_forbidden", output: .raw, trees: 60, missing: false)
    }

    /// catboost's ONNX export (a TreeEnsembleClassifier behind a ZipMap) loads through the ONNX path
    /// and agrees with onnxruntime on the golden rows without missing values.
    func testONNXExportMatchesOnnxruntime() throws {
        let data = try bytes("catboost_model.onnx")
        XCTAssertEqual(ModelFormat.detect(data), .onnx)
        let model = try ONNXModel(bytes: data, hints: FeatureNameHints(fallback: try features()))
        XCTAssertEqual(model.output, .probability)
        var compared = 0, worst = 0.0, worstToCatBoost = 0.0
        for (row, line) in try golden(model.featureNames) {
            guard let expected = line["onnx_prob"]?.doubleValue else { continue }
            let p = row.withUnsafeBufferPointer { model.predict($0) }
            worst = max(worst, abs(p - expected))
            worstToCatBoost = max(worstToCatBoost, abs(p - line["catboost_model_prob"]!.doubleValue!))
            compared += 1
        }
        XCTAssertEqual(compared, 200)
        XCTAssertLessThanOrEqual(worst, 1e-6, "largest difference to onnxruntime")
        // Float32 leaf sums in ONNX against catboost's Double ones.
        XCTAssertLessThanOrEqual(worstToCatBoost, 1e-5, "largest difference to catboost")
    }
}
