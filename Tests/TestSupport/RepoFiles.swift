import Foundation
import XCTest

/// Paths of the repository and of ../shared (reference models, golden predictions), which CI and
/// developer checkouts have beside the repository.
public enum RepoFiles {
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// A file under shared/; the test is skipped, saying why, where shared/ is not checked out.
    public static func shared(_ relative: String) throws -> String {
        let candidates = [ProcessInfo.processInfo.environment["FRAUDSCORE_SHARED"].map { $0 + "/" + relative },
                          root + "/../shared/" + relative]
        for case let p? in candidates where FileManager.default.fileExists(atPath: p) { return p }
        throw XCTSkip("shared/\(relative) not found next to the repository (set FRAUDSCORE_SHARED)")
    }
}
