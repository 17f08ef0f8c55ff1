import Foundation
import ModelStore
import TestSupport
import XCTest

final class ModelLoaderTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "fraudscore-loader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RepoFiles.root + "/models/default/xgb_model.json", toPath: dir + "/xgb_model.json")
    }

    override func tearDownWithError() throws { try FileManager.default.removeItem(atPath: dir) }

    func testFolderWithoutMetadataIsNamedByFileAndDigest() throws {
        let m = try ModelLoader.load(path: dir)
        XCTAssertEqual(m.info.name, "xgb_model")
        XCTAssertEqual(m.info.version, "xgb_model-" + m.info.sha256.prefix(12))
        XCTAssertEqual(m.info.sha256.count, 64)
    }

    func testVersionOverrideWins() throws {
        XCTAssertEqual(try ModelLoader.load(path: dir + "/xgb_model.json", version: "v42").info.version, "v42")
    }

    func testDigestMismatchIsRefused() throws {
        try #"{"model_version": "x", "sha256": "00"}"#.write(toFile: dir + "/model_meta.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ModelLoader.load(path: dir)) { error in
            XCTAssertTrue("\(error)".contains("expects 00"), "\(error)")
        }
    }

    func testMissingFileSaysWhatWasExpected() throws {
        XCTAssertThrowsError(try ModelLoader.load(path: dir + "/nope.json")) { error in
            XCTAssertTrue("\(error)".contains("cannot open"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: dir + "/xgb_model.json")
        XCTAssertThrowsError(try ModelLoader.load(path: dir)) { error in
            XCTAssertTrue("\(error)".contains("no model file"), "\(error)")
        }
    }
}
