@testable import ModelStore
import XCTest

final class RolloutWindowTests: XCTestCase {
    func testFNV1aVectors() {
        XCTAssertEqual(RolloutWindow.fnv1a(""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(RolloutWindow.fnv1a("a"), 0xAF63_DC4C_8601_EC8C)
    }

    func testEachReplicaHasItsOwnFixedDelayWithinTheWindow() {
        // The same figures tests/e2e/test_rollout_window.py computes in Python.
        XCTAssertEqual(RolloutWindow(windowMs: 8_000, replicaName: "fraudscore-7d9f-a").delayMs, 2_150)
        XCTAssertEqual(RolloutWindow(windowMs: 8_000, replicaName: "fraudscore-7d9f-b").delayMs, 5_939)
        XCTAssertEqual(RolloutWindow(windowMs: 0, replicaName: "fraudscore-7d9f-b").delayMs, 0)
        let delays = (0..<200).map { RolloutWindow(windowMs: 10_000, replicaName: "pod-\($0)").delayMs }
        XCTAssertTrue(delays.allSatisfy { (0..<10_000).contains($0) })
        XCTAssertGreaterThan(Set(delays.map { $0 / 1_000 }).count, 8, "spread over the window")
    }

    func testAVersionIsEligibleItsDelayAfterItWasFirstSeenAndAChangedOneStartsAgain() {
        var window = RolloutWindow(windowMs: 8_000, replicaName: "fraudscore-7d9f-a")
        let v2 = VersionListing(version: 2, fingerprint: "a", files: [])
        XCTAssertEqual(window.eligibleAtMs(v2, nowMs: 1_000), 3_150)
        XCTAssertEqual(window.eligibleAtMs(v2, nowMs: 2_000), 3_150, "counted from the first sighting")
        let republished = VersionListing(version: 2, fingerprint: "b", files: [])
        XCTAssertEqual(window.eligibleAtMs(republished, nowMs: 2_500), 4_650)
        let v3 = VersionListing(version: 3, fingerprint: "a", files: [])
        XCTAssertEqual(window.eligibleAtMs(v3, nowMs: 3_000), 5_150)
        window.clear()
        XCTAssertNil(window.waiting)
    }
}
