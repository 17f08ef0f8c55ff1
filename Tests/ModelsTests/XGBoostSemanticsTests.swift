import JSON
import Models
import XCTest

/// The split, missing-value, objective and validation rules, on hand-written models.
final class XGBoostSemanticsTests: XCTestCase {
    /// One tree: feature 0 < 0.5 → leaf -1, else leaf +1; NaN goes left when `defaultLeft`.
    private func model(objective: String = "binary:logistic", baseScore: String = "5E-1", defaultLeft: Int = 1,
                       names: String = #"["a", "b"]"#, left: String = "[1, -1, -1]", right: String = "[2, -1, -1]",
                       splitIndices: String = "[0, 0, 0]") throws -> XGBoostModel {
        let json = """
        {"learner": {"feature_names": \(names), "feature_types": [],
          "learner_model_param": {"base_score": "[\(baseScore)]", "num_class": "0", "num_feature": "2", "num_target": "1"},
          "objective": {"name": "\(objective)"},
          "gradient_booster": {"name": "gbtree", "model": {"trees": [
            {"left_children": \(left), "right_children": \(right), "split_indices": \(splitIndices),
             "split_conditions": [0.5, -1.0, 1.0], "default_left": [\(defaultLeft), 0, 0], "split_type": [0, 0, 0]}
          ]}}},
         "version": [3, 2, 0]}
        """
        return try XGBoostModel(jsonBytes: Array(json.utf8))
    }

    private func margin(_ m: XGBoostModel, _ x: Double) -> Float {
        [x, 0].withUnsafeBufferPointer { m.margin($0) }
    }

    func testStrictlyLessGoesLeftAndEqualGoesRight() throws {
        let m = try model()
        XCTAssertEqual(margin(m, 0.49), -1)
        XCTAssertEqual(margin(m, 0.5), 1)
        XCTAssertEqual(m.featureNames, ["a", "b"])
    }

    func testComparisonIsInFloat32() throws {
        let m = try model()
        // Rounds to Float32 0.5 exactly, so it is not < 0.5.
        XCTAssertEqual(margin(m, 0.49999999999), 1)
    }

    func testMissingValueFollowsDefaultLeft() throws {
        XCTAssertEqual(margin(try model(defaultLeft: 1), .nan), -1)
        XCTAssertEqual(margin(try model(defaultLeft: 0), .nan), 1)
    }

    func testObjectives() throws {
        let row = [0.0, 0.0]
        let logistic = try model()
        XCTAssertEqual(row.withUnsafeBufferPointer { logistic.predict($0) }, Double(Float(1) / (expf(1) + 1)))
        XCTAssertEqual(logistic.output, .probability)
        let raw = try model(objective: "binary:logitraw")
        XCTAssertEqual(row.withUnsafeBufferPointer { raw.predict($0) }, -0.5)  // base_score 0.5 is the starting margin
        XCTAssertEqual(raw.output, .raw)
        let regression = try model(objective: "reg:squarederror", baseScore: "2.5E0")
        XCTAssertEqual(row.withUnsafeBufferPointer { regression.predict($0) }, 1.5)
        XCTAssertEqual(try model(objective: "reg:logistic").output, .probability)
    }

    func testUnsupportedOrBrokenModelsAreRefusedWithAReason() throws {
        func message(_ make: () throws -> XGBoostModel) -> String {
            do { _ = try make(); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try model(objective: "multi:softprob") }.contains("not supported"))
        XCTAssertTrue(message { try model(names: "[]") }.contains("no feature names"))
        XCTAssertTrue(message { try model(left: "[1, -1, 7]") }.contains("out of range"))
        XCTAssertTrue(message { try model(left: "[1, 0, -1]", right: "[2, 2, -1]") }.contains("not a tree"))
        XCTAssertTrue(message { try model(splitIndices: "[5, 0, 0]") }.contains("feature 5"))
        XCTAssertTrue(message { try XGBoostModel(jsonBytes: Array("{\"x\": 1}".utf8)) }.contains("learner"))
        XCTAssertTrue(message { try XGBoostModel(jsonBytes: Array("{".utf8)) }.contains("not a valid XGBoost JSON"))
    }
}
