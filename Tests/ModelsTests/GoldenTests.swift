import Foundation
import JSON
import Models
import TestSupport
import XCTest

/// The evaluators agree with the libraries' own predictions bit for bit on the reference models.
final class GoldenTests: XCTestCase {
    private func load(_ path: String) throws -> XGBoostModel {
        try XGBoostModel(jsonBytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Rows of a JSON-lines file with the model's features in the model's order.
    private func rows(_ path: String, features: [String]) throws -> [(row: [Double], line: JSONValue)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let v = try JSONValue.parse(Array(line.utf8))
            let row = try features.map { name in try XCTUnwrap(v[name]?.doubleValue, name) }
            return (row, v)
        }
    }

    func testReferenceModelMatchesXGBoostOnAll2000GoldenRows() throws {
        let model = try load(try RepoFiles.fixture("models/xgb_model.json"))
        XCTAssertEqual(model.featureNames.count, 15)
        XCTAssertEqual(model.trees.treeCount, 200)
        let golden = try rows(try RepoFiles.fixture("golden/golden_test_2000.jsonl"), features: model.featureNames)
        XCTAssertEqual(golden.count, 2000)
        var exactProb = 0, exactMargin = 0
        for (row, line) in golden {
            let p = row.withUnsafeBufferPointer { model.predict($0) }
            let m = row.withUnsafeBufferPointer { model.margin($0) }
            if p.bitPattern == line["xgb_prob"]!.doubleValue!.bitPattern { exactProb += 1 }
            if Double(m).bitPattern == line["xgb_margin"]!.doubleValue!.bitPattern { exactMargin += 1 }
        }
        XCTAssertEqual(exactProb, 2000)
        XCTAssertEqual(exactMargin, 2000)
    }

    func testReferenceUBJSONModelMatchesXGBoostOnAll2000GoldenRows() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/xgb_model.ubj"))))
        XCTAssertEqual(ModelFormat.detect(bytes), .xgboostUBJSON)
        let model = try XGBoostModel(ubjsonBytes: bytes)
        XCTAssertEqual(model.trees.treeCount, 200)
        let golden = try rows(try RepoFiles.fixture("golden/golden_test_2000.jsonl"), features: model.featureNames)
        let exact = golden.filter { row, line in
            row.withUnsafeBufferPointer { model.predict($0) }.bitPattern == line["xgb_prob"]!.doubleValue!.bitPattern
        }.count
        XCTAssertEqual(exact, 2000)
    }

    func testLightGBMTextModelMatchesLightGBMOnAll2000GoldenRows() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/lgbm_model.txt"))))
        XCTAssertEqual(ModelFormat.detect(bytes), .lightGBMText)
        let model = try LightGBMModel(text: bytes)
        XCTAssertEqual(model.treeCount, 200)
        XCTAssertEqual(model.output, .probability)
        let golden = try rows(try RepoFiles.fixture("golden/golden_test_2000.jsonl"), features: model.featureNames)
        var exactProb = 0, exactRaw = 0
        for (row, line) in golden {
            if row.withUnsafeBufferPointer({ model.predict($0) }) == line["lgbm_prob"]!.doubleValue! { exactProb += 1 }
            if row.withUnsafeBufferPointer({ model.raw($0) }) == line["lgbm_raw"]!.doubleValue! { exactRaw += 1 }
        }
        XCTAssertEqual(exactRaw, 2000)
        XCTAssertEqual(exactProb, 2000)
    }

    /// The batch path gives what the single-row path gives, bit for bit, for every format.
    func testBatchPredictionEqualsRowByRow() throws {
        for file in ["xgb_model.json", "lgbm_model.txt"] {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/" + file))))
            let (model, _) = try ModelFormat.loadModel(bytes)
            let golden = try rows(try RepoFiles.fixture("golden/golden_test_2000.jsonl"), features: model.featureNames)
            // Every fifth row gets a missing value (NaN) and every seventh a zero, so both the plain
            // and the missing-value walks of the batch path are compared.
            let width = model.featureNames.count
            let rows = golden.enumerated().map { i, g -> [Double] in
                var row = g.row
                if i % 5 == 0 { row[i % width] = .nan }
                if i % 7 == 0 { row[(i + 3) % width] = 0 }
                return row
            }
            let flat = rows.flatMap { $0 }
            var batch = [Double](repeating: .nan, count: rows.count)
            flat.withUnsafeBufferPointer { r in batch.withUnsafeMutableBufferPointer { model.predict(rows: r, into: $0) } }
            let single = rows.map { row in row.withUnsafeBufferPointer { model.predict($0) } }
            XCTAssertEqual(batch.map(\.bitPattern), single.map(\.bitPattern), file)
            XCTAssertEqual(model.metadata.treeCount, 200)
        }
    }

    func testBundledDefaultModelMatchesItsValidationRows() throws {
        let root = RepoFiles.root
        let model = try load(root + "/models/default/xgb_model.json")
        let validation = try rows(root + "/models/default/validation.jsonl", features: model.featureNames)
        XCTAssertEqual(validation.count, 50)
        for (row, line) in validation {
            let p = row.withUnsafeBufferPointer { model.predict($0) }
            XCTAssertEqual(p, line["expected_prob"]?.doubleValue)
        }
    }
}
