import Logging
@testable import ModelStore
import Synchronization
import TestSupport
import XCTest

/// The manager over a local folder repository, with a gate that refuses one named model_version.
final class ModelManagerTests: XCTestCase {
    private struct Gate: CandidateGate {
        func check(_ candidate: Candidate) throws(CandidateError) -> PromotionEvidence? {
            if candidate.loaded.info.version == "refuse-me" { throw CandidateError(.validation, "refused by the test gate") }
            return nil
        }
    }

    private final class Served: Sendable {
        let versions = Mutex<[String]>([])
    }

    private var root: String!
    private var model: [UInt8]!

    override func setUpWithError() throws {
        root = FileManagerless.temporaryFolder()
        model = try FileSystem.readAll(RepoFiles.root + "/models/default/xgb_model.json")
    }

    private func put(_ version: Int, _ modelVersion: String, manifest: Bool = true) throws {
        let repo = try ModelRepository(uri: .local(root))
        let m = Manifest(name: "t", modelVersion: modelVersion, modelFile: "xgb_model.json", format: nil, threshold: nil,
                         files: ["xgb_model.json": .init(sha256: SHA256.hex(model), size: model.count)], validation: nil)
        if manifest {
            try repo.publish(version: version, files: ["xgb_model.json": model], manifest: m)
        } else {
            try LocalStore(root: root).put("\(version)/xgb_model.json", model)
        }
    }

    private func manager(_ served: Served, pinned: Int? = nil) throws -> ModelManager {
        var config = ModelManagerConfig()
        config.pinnedVersion = pinned
        return try ModelManager(repository: try ModelRepository(uri: .local(root)), gate: Gate(), config: config,
                            log: Logger(label: "test")) { loaded in served.versions.withLock { $0.append(loaded.info.version) } }
    }

    func testHighestCompleteVersionWinsAndIncompleteOnesAreIgnored() throws {
        try put(1, "one")
        try put(2, "two")
        try put(3, "three", manifest: false)
        let served = Served()
        let m = try manager(served)
        XCTAssertTrue(m.pollNow())
        XCTAssertEqual(served.versions.withLock { $0 }, ["two"])
        XCTAssertEqual(m.status().available, [1, 2])
        XCTAssertEqual(m.status().incomplete, [3])
        m.pollNow()
        XCTAssertEqual(served.versions.withLock { $0 }, ["two"], "an unchanged repository swaps nothing")
    }

    func testRejectedVersionKeepsTheCurrentOneAndIsNotRetriedUntilItChanges() throws {
        try put(1, "one")
        let served = Served()
        let m = try manager(served)
        m.pollNow()
        try put(2, "refuse-me")
        m.pollNow()
        m.pollNow()
        XCTAssertEqual(served.versions.withLock { $0 }, ["one"])
        XCTAssertEqual(m.status().rejections[.validation], 1)
        XCTAssertEqual(m.status().candidate?.error?.message, "refused by the test gate")
        XCTAssertEqual(m.status().current?.version, 1)
    }

    func testStartupFallsBackToTheNewestVersionThatPasses() throws {
        try put(1, "one")
        try put(2, "refuse-me")
        let served = Served()
        let m = try manager(served)
        XCTAssertTrue(m.pollNow())
        XCTAssertEqual(served.versions.withLock { $0 }, ["one"])
    }

    func testPinRollbackAndUnpin() throws {
        try put(1, "one")
        try put(2, "two")
        let served = Served()
        let m = try manager(served, pinned: 1)
        m.pollNow()
        XCTAssertEqual(served.versions.withLock { $0 }, ["one"])
        XCTAssertThrowsError(try m.rollback()) { XCTAssertEqual($0 as? AdminError, .noPreviousVersion) }
        XCTAssertFalse(try m.pin(2), "version 2 is not loaded yet")
        m.pollNow()
        XCTAssertEqual(m.status().current?.version, 2)
        XCTAssertEqual(try m.rollback(), 1)
        XCTAssertEqual(m.status().pinned, 1)
        XCTAssertEqual(served.versions.withLock { $0 }, ["one", "two", "one"])
        XCTAssertTrue(try m.pin(2), "the previous version swaps back from memory")
        XCTAssertThrowsError(try m.pin(9)) { XCTAssertEqual($0 as? AdminError, .noSuchVersion(9, available: [1, 2])) }
        m.unpin()
        m.pollNow()
        XCTAssertEqual(m.status().current?.version, 2)
        XCTAssertEqual(m.status().swaps, 4)
    }

    func testPollErrorsAreRecordedAndServingIsUntouched() throws {
        try put(1, "one")
        let served = Served()
        let m = try manager(served)
        m.pollNow()
        FileSystem.removeFolder(root + "/1")
        rmdir(root)
        m.pollNow()
        XCTAssertEqual(m.status().current?.version, 1)
        XCTAssertEqual(m.status().consecutivePollErrors, 1)
        XCTAssertEqual(m.status().lastPollError?.reason, .notFound)
    }
}
