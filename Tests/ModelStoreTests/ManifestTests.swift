@testable import ModelStore
import Models
import XCTest

final class ManifestTests: XCTestCase {
    private let digest = String(repeating: "ab", count: 32)

    func testRoundTrip() throws {
        let m = Manifest(name: "fraud", modelVersion: "7", modelFile: "m.json", format: .xgboostJSON, threshold: 0.4,
                         files: ["m.json": .init(sha256: digest, size: 3), "v.jsonl": .init(sha256: digest, size: 9)],
                         validation: .init(file: "v.jsonl", tolerance: 1e-4))
        XCTAssertEqual(try Manifest(parsing: m.encoded()), m)
        var evaluated = m
        evaluated.files["e.jsonl"] = .init(sha256: digest, size: 5)
        evaluated.evaluation = .init(file: "e.jsonl", labelKey: "is_fraud")
        XCTAssertEqual(try Manifest(parsing: evaluated.encoded()), evaluated)
    }

    func testModelFileDefaultsToAKnownName() throws {
        let m = try Manifest(parsing: Array(#"{"files": {"lgbm_model.txt": {"sha256": "\#(digest)", "size": 1}}}"#.utf8))
        XCTAssertEqual(m.modelFile, "lgbm_model.txt")
        XCTAssertNil(m.validation)
    }

    func testMalformedManifestsSayWhatToFix() {
        let cases: [(String, String)] = [
            ("{", "not valid JSON"),
            (#"{"files": {}}"#, "needs \"files\""),
            (#"{"files": {"m.json": {"sha256": "xyz", "size": 1}}}"#, "64 hex digits"),
            (#"{"files": {"m.json": {"sha256": "\#(digest)", "size": -1}}}"#, "non-negative integer"),
            (#"{"files": {"../m.json": {"sha256": "\#(digest)", "size": 1}}}"#, "plain names"),
            (#"{"files": {"data.bin": {"sha256": "\#(digest)", "size": 1}}}"#, "needs \"model_file\""),
            (#"{"model_file": "x.json", "files": {"m.json": {"sha256": "\#(digest)", "size": 1}}}"#, "not listed in files"),
            (#"{"model_file": "m.json", "format": "pmml", "files": {"m.json": {"sha256": "\#(digest)", "size": 1}}}"#, "unknown format"),
            (#"{"model_file": "m.json", "threshold": 2, "files": {"m.json": {"sha256": "\#(digest)", "size": 1}}}"#, "between 0 and 1"),
            (#"{"model_file": "m.json", "validation": {"file": "v"}, "files": {"m.json": {"sha256": "\#(digest)", "size": 1}}}"#, "validation.file"),
            (#"{"model_file": "m.json", "evaluation": {"file": "e"}, "files": {"m.json": {"sha256": "\#(digest)", "size": 1}}}"#, "evaluation.file"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Manifest(parsing: Array(text.utf8)), text) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }

    func testVerifyChecksSizeThenDigest() throws {
        let bytes = Array("abc".utf8)
        let m = Manifest(name: nil, modelVersion: nil, modelFile: "m", format: nil, threshold: nil,
                         files: ["m": .init(sha256: SHA256.hex(bytes), size: 3)], validation: nil)
        XCTAssertNoThrow(try m.verify("m", bytes))
        XCTAssertThrowsError(try m.verify("m", Array("ab".utf8))) { XCTAssertTrue("\($0)".contains("truncated")) }
        XCTAssertThrowsError(try m.verify("m", Array("abd".utf8))) { XCTAssertTrue("\($0)".contains("sha256")) }
        XCTAssertThrowsError(try m.verify("other", bytes)) { XCTAssertTrue("\($0)".contains("not listed")) }
    }
}
