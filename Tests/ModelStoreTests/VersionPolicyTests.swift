@testable import ModelStore
import XCTest

/// The version policy as a table: what the repository holds and what the manager has, in; the
/// action, out.
final class VersionPolicyTests: XCTestCase {
    private func v(_ version: Int, _ fingerprint: String = "a") -> VersionListing {
        VersionListing(version: version, fingerprint: "\(version)\(fingerprint)", files: [])
    }

    private func held(_ version: Int, _ fingerprint: String = "a") -> VersionPolicy.Held {
        .init(version: version, fingerprint: "\(version)\(fingerprint)")
    }

    func testTable() {
        typealias Row = (String, [VersionListing], VersionPolicy.Held?, VersionPolicy.Held?, Int?, [Int: String], VersionPolicy.Action)
        let rows: [Row] = [
            ("empty repository", [], nil, nil, nil, [:], .keep),
            ("first start: newest, then older ones", [v(1), v(2), v(3)], nil, nil, nil, [:], .load([v(3), v(2), v(1)])),
            ("newest serves", [v(1), v(2)], held(2), held(1), nil, [:], .keep),
            ("a new version", [v(1), v(2), v(3)], held(2), held(1), nil, [:], .load([v(3)])),
            ("a new version while serving: no fallback to older ones", [v(1), v(2), v(3)], held(2), nil, nil, [:], .load([v(3)])),
            ("the serving version's files changed", [v(1), v(2, "b")], held(2), held(1), nil, [:], .load([v(2, "b")])),
            ("newest deleted: back to the previous, from memory", [v(1)], held(2), held(1), nil, [:], .restorePrevious),
            ("newest deleted, previous changed: load it", [v(1, "b")], held(2), held(1), nil, [:], .load([v(1, "b")])),
            ("pinned to the previous", [v(1), v(2)], held(2), held(1), 1, [:], .restorePrevious),
            ("pinned to an older one not in memory", [v(1), v(2), v(3)], held(3), held(2), 1, [:], .load([v(1)])),
            ("pinned to the serving one while newer exist", [v(1), v(2), v(3)], held(2), held(1), 2, [:], .keep),
            ("pinned to a version not in the repository", [v(1), v(2)], held(2), nil, 7, [:], .keep),
            ("pinned, nothing serving: only the pin", [v(1), v(2), v(3)], nil, nil, 2, [:], .load([v(2)])),
            ("newest rejected with these files", [v(1), v(2), v(3)], held(2), held(1), nil, [3: "3a"], .keep),
            ("newest rejected, then re-uploaded", [v(1), v(2), v(3, "b")], held(2), held(1), nil, [3: "3a"], .load([v(3, "b")])),
            ("first start, newest rejected: older ones", [v(1), v(2), v(3)], nil, nil, nil, [3: "3a"], .load([v(2), v(1)])),
            ("first start, all rejected", [v(1), v(2)], nil, nil, nil, [1: "1a", 2: "2a"], .keep),
        ]
        for (name, complete, current, previous, pinned, rejected, expected) in rows {
            XCTAssertEqual(VersionPolicy.decide(complete: complete, current: current, previous: previous, pinned: pinned,
                                                rejected: rejected), expected, name)
        }
    }
}
