import Foundation
import JSON
import Models
import TestSupport
import XCTest

/// skl2onnx's scikit-learn models agree with onnxruntime within 1e-6 on every golden row.
final class ONNXGoldenTests: XCTestCase {
    private func model(_ file: String) throws -> ONNXModel {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/" + file))))
        XCTAssertEqual(ModelFormat.detect(bytes), .onnx)
        let names = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/features.json")))))
        guard case .array(let items) = names else { throw ModelError("features.json") }
        return try ONNXModel(bytes: bytes, hints: FeatureNameHints(fallback: items.compactMap(\.stringValue)))
    }

    private func check(_ file: String, key: String, trees: Int) throws {
        let model = try model(file)
        XCTAssertEqual(model.output, .probability)
        XCTAssertEqual(model.metadata.treeCount, trees)
        let text = try String(contentsOfFile: try RepoFiles.fixture("golden/golden_test_2000.jsonl"), encoding: .utf8)
        var worst = 0.0, count = 0
        var flat: [Double] = [], single: [Double] = []
        for line in text.split(separator: "\n") {
            let v = try JSONValue.parse(Array(line.utf8))
            let row = try model.featureNames.map { try XCTUnwrap(v[$0]?.doubleValue, $0) }
            let p = row.withUnsafeBufferPointer { model.predict($0) }
            worst = max(worst, abs(p - v[key]!.doubleValue!))
            flat += row
            single.append(p)
            count += 1
        }
        XCTAssertEqual(count, 2000)
        XCTAssertLessThanOrEqual(worst, 1e-6, "\(file): largest difference to \(key) is \(worst)")
        var batch = [Double](repeating: .nan, count: count)
        flat.withUnsafeBufferPointer { r in batch.withUnsafeMutableBufferPointer { model.predict(rows: r, into: $0) } }
        XCTAssertEqual(batch.map(\.bitPattern), single.map(\.bitPattern))
    }

    func testRandomForestMatchesOnnxruntimeOnAll2000GoldenRows() throws {
        try check("rf.onnx", key: "onnx_rf_prob", trees: 50)
    }

    func testLogisticRegressionPipelineMatchesOnnxruntimeOnAll2000GoldenRows() throws {
        try check("lr_pipeline.onnx", key: "onnx_lr_prob", trees: 0)
    }

    func testAnUnnamedInputWithoutNamesIsALoadErrorSayingHowToNameIt() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/rf.onnx"))))
        XCTAssertThrowsError(try ONNXModel(bytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("features.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("--features"), "\(error)")
        }
        XCTAssertThrowsError(try ONNXModel(bytes: bytes, hints: FeatureNameHints(fallback: ["a", "b"]))) { error in
            XCTAssertTrue("\(error)".contains("15 columns but 2 feature names"), "\(error)")
        }
    }
}
