import Foundation
import JSON
import Models
import XCTest

/// CatBoost's rules on a model small enough to score by hand: the bit order of a leaf index, `>` at a
/// border, the NaN treatments, scale and bias, and the errors a user can cause.
final class CatBoostSemanticsTests: XCTestCase {
    /// Two features: "a" (NaN as true, nan_mode Max style) and "b" (NaN as false); tree 0 splits on
    /// a > 0.5 (bit 0) then b > 1.5 (bit 1) with leaves 1, 2, 4, 8; tree 1 is a single leaf 0.25;
    /// raw = 2 * sum + 0.5.
    private func document(loss: String = "RMSE", names: (String, String) = ("a", "b"), extra: String = "",
                          trees: String? = nil) -> [UInt8] {
        let trees = trees ?? """
            "oblivious_trees": [
              {"leaf_values": [1, 2, 4, 8], "splits": [
                {"border": 0.5, "float_feature_index": 0, "split_index": 0, "split_type": "FloatFeature"},
                {"border": 1.5, "float_feature_index": 1, "split_index": 1, "split_type": "FloatFeature"}]},
              {"leaf_values": [0.25], "splits": []}]
            """
        return Array("""
            {"features_info": {\(extra)"float_features": [
               {"borders": [0.5], "feature_id": "\(names.0)", "feature_index": 0, "flat_feature_index": 0,
                "has_nans": true, "nan_value_treatment": "AsTrue"},
               {"borders": [1.5], "feature_id": "\(names.1)", "feature_index": 1, "flat_feature_index": 1,
                "has_nans": true, "nan_value_treatment": "AsFalse"}]},
             "model_info": {"catboost_version_info": "Branch: tags/v1.2.10\\n",
                            "params": {"loss_function": {"type": "\(loss)"},
                                       "data_processing_options": {"float_features_binarization": {"nan_mode": "Max"}}}},
             \(trees),
             "scale_and_bias": [2, [0.5]]}
            """.utf8)
    }

    private func score(_ model: any Model, _ row: [Double]) -> Double {
        row.withUnsafeBufferPointer { model.predict($0) }
    }

    func testLeafIndexBitsBordersNaNScaleAndBias() throws {
        let bytes = document()
        XCTAssertEqual(ModelFormat.detect(bytes), .catboostJSON)
        let (model, format) = try ModelFormat.loadModel(bytes)
        XCTAssertEqual(format, .catboostJSON)
        XCTAssertEqual(model.featureNames, ["a", "b"])
        XCTAssertEqual(model.output, .raw)
        XCTAssertEqual(model.metadata.objective, "RMSE")
        XCTAssertEqual(model.metadata.libraryVersion, "catboost 1.2.10")
        XCTAssertEqual(score(model, [1, 0]), 2 * (2 + 0.25) + 0.5)      // bit 0 only: leaf 1
        XCTAssertEqual(score(model, [0, 2]), 2 * (4 + 0.25) + 0.5)      // bit 1 only: leaf 2
        XCTAssertEqual(score(model, [1, 2]), 2 * (8 + 0.25) + 0.5)      // both: leaf 3
        XCTAssertEqual(score(model, [0.5, 1.5]), 2 * (1 + 0.25) + 0.5)  // at the border: not greater
        XCTAssertEqual(score(model, [.nan, .nan]), 2 * (2 + 0.25) + 0.5) // a as true, b as false
        XCTAssertEqual(score(model, [0, .nan]), 2 * (1 + 0.25) + 0.5)
        // A value that narrows to the border in Float32 is not above it.
        XCTAssertEqual(score(model, [0.5000000001, 0]), 2 * (1 + 0.25) + 0.5)
    }

    func testLoglossIsTheSigmoidOfTheRawValue() throws {
        let model = try CatBoostModel(jsonBytes: document(loss: "Logloss"))
        XCTAssertEqual(model.output, .probability)
        let raw = 2 * (8 + 0.25) + 0.5
        XCTAssertEqual(score(model, [1, 2]), 1 / (1 + exp(-raw)))
        XCTAssertEqual([1.0, 2].withUnsafeBufferPointer { model.raw($0) }, raw)
    }

    func testXGBoostJSONIsStillDetectedAsXGBoost() {
        XCTAssertEqual(ModelFormat.detect(Array(#"{"learner": {}, "version": [3, 2, 0]}"#.utf8)), .xgboostJSON)
        XCTAssertEqual(ModelFormat.detect(Array(#"{"version": [3], "learner": {"features_info": 1}}"#.utf8)), .xgboostJSON)
    }

    private func refusal(_ bytes: [UInt8], hints: FeatureNameHints = FeatureNameHints()) -> String {
        do {
            _ = try CatBoostModel(jsonBytes: bytes, hints: hints)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func testUnsupportedModelsAreRefusedWithTheReason() {
        XCTAssertTrue(refusal(document(loss: "MultiClass")).contains("\"MultiClass\" is not supported; supported: CrossEntropy, Logloss"))
        XCTAssertTrue(refusal(document(extra: #""categorical_features": [{"feature_index": 0}], "#))
            .contains("categorical features; only numeric (float) features are supported"))
        XCTAssertTrue(refusal(document(trees: #""trees": []"#)).contains("non-symmetric trees"))
        XCTAssertTrue(refusal(document(trees: #""oblivious_trees": [{"leaf_values": [1, 2, 3, 4, 5, 6, 7, 8], "splits": []}]"#))
            .contains("multi-class and multi-target models are not supported"))
        XCTAssertTrue(refusal(document(trees: """
            "oblivious_trees": [{"leaf_values": [1, 2], "splits": [{"border": 0, "float_feature_index": 5, "split_type": "FloatFeature"}]}]
            """)).contains("without a known float_feature_index"))
        XCTAssertTrue(refusal(document(trees: """
            "oblivious_trees": [{"leaf_values": [1, 2], "splits": [{"border": 0, "ctr_target_border_idx": 0, "split_type": "OnlineCtr"}]}]
            """)).contains("\"OnlineCtr\"; only FloatFeature splits"))
    }

    func testUnnamedFeaturesTakeTheHintsOrAreRefused() throws {
        XCTAssertTrue(refusal(document(names: ("", ""))).contains("feature_names="))
        let model = try CatBoostModel(jsonBytes: document(names: ("", "")), hints: FeatureNameHints(fallback: ["x", "y"]))
        XCTAssertEqual(model.featureNames, ["x", "y"])
        XCTAssertTrue(refusal(document(names: ("", "")), hints: FeatureNameHints(fallback: ["x"]))
            .contains("2 features but 1 names"))
    }
}
