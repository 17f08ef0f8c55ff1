import Foundation
import Models
import Support
import TestSupport
import XCTest

/// Corrupt, truncated and mutated model files give a load error, never a crash: a property test
/// over thousands of deterministic mutations of each reference file.
final class CorruptModelTests: XCTestCase {
    /// Reproducible mutations, so a failure can be replayed.
    typealias Random = SplitMix64

    private func mutate(_ bytes: [UInt8], _ rng: inout Random) -> [UInt8] {
        var b = bytes
        switch rng.below(4) {
        case 0: b = Array(b.prefix(rng.below(b.count)))                       // truncate
        case 1: for _ in 0..<(1 + rng.below(8)) { b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next()) }
        case 2:                                                                // replace a digit run
            let at = rng.below(b.count)
            let junk = ["-1", "99999999999", "1e309", "nan", "-2147483649", "0", ""][rng.below(7)]
            b.replaceSubrange(at..<min(b.count, at + 1 + rng.below(4)), with: Array(junk.utf8))
        default:                                                               // duplicate a slice
            let at = rng.below(b.count), n = rng.below(64)
            b.insert(contentsOf: b[at..<min(b.count, at + n)], at: rng.below(b.count))
        }
        return b
    }

    func testMutatedReferenceModelsNeverCrash() throws {
        for file in ["models/xgb_model.json", "models/xgb_model.ubj", "models/lgbm_model.txt",
                     "catboost/catboost_max.cbm", "catboost/catboost_max.json"] {
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture(file))))
            var rng = Random(seed: 42)
            var refused = 0
            for _ in 0..<300 {
                let bytes = mutate(original, &rng)
                do {
                    let (model, _) = try ModelFormat.loadModel(bytes)
                    // A mutation that still loads must still score without trapping.
                    let row = [Double](repeating: 1, count: model.featureNames.count)
                    _ = row.withUnsafeBufferPointer { model.predict($0) }
                } catch let error as ModelError {
                    XCTAssertFalse(error.message.isEmpty)
                    refused += 1
                }
            }
            XCTAssertGreaterThan(refused, 0, file)
        }
    }

    func testMutatedONNXModelsNeverCrash() throws {
        let names = (0..<15).map { "f\($0)" }
        for file in ["rf.onnx", "lr_pipeline.onnx"] {
            let original = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/" + file))))
            var rng = Random(seed: 7)
            var refused = 0, loaded = 0
            for _ in 0..<300 {
                let bytes = mutate(original, &rng)
                do {
                    let model = try ONNXModel(bytes: bytes, hints: FeatureNameHints(fallback: names))
                    let row = [Double](repeating: 1, count: model.featureNames.count)
                    _ = row.withUnsafeBufferPointer { model.predict($0) }
                    loaded += 1
                } catch let error as ModelError {
                    XCTAssertFalse(error.message.isEmpty)
                    refused += 1
                }
            }
            XCTAssertGreaterThan(refused, 0, file)
            XCTAssertGreaterThan(loaded, 0, "\(file): some mutations (e.g. of a weight) should still load")
        }
    }

    func testTruncatedFilesNameTheProblem() throws {
        let lgbm = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/lgbm_model.txt"))))
        XCTAssertThrowsError(try ModelFormat.loadModel(Array(lgbm.prefix(lgbm.count / 2)))) {
            XCTAssertTrue("\($0)".contains("truncated"), "\($0)")
        }
        let ubj = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("models/xgb_model.ubj"))))
        XCTAssertThrowsError(try ModelFormat.loadModel(Array(ubj.prefix(ubj.count / 2)))) {
            XCTAssertTrue("\($0)".contains("unexpected end of data") || "\($0)".contains("exceeds the data"), "\($0)")
        }
        let cbm = Array(try Data(contentsOf: URL(fileURLWithPath: try RepoFiles.fixture("catboost/catboost_max.cbm"))))
        XCTAssertThrowsError(try ModelFormat.loadModel(Array(cbm.prefix(cbm.count / 2)))) {
            XCTAssertTrue("\($0)".contains("truncated"), "\($0)")
        }
        XCTAssertThrowsError(try ModelFormat.loadModel([])) { XCTAssertTrue("\($0)".contains("unrecognised")) }
    }
}

private extension SplitMix64 {
    /// 0 ..< n (0 for an empty range), replayable from the seed unlike `Int.random(in:using:)`,
    /// whose draws the standard library may change.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}
