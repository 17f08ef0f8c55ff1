import Foundation

/// Paths of the repository and of its test fixtures (tests/fixtures/, made by scripts/make_fixtures.py).
public enum RepoFiles {
    public static var root: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// A file under tests/fixtures/. A missing fixture fails the test, saying how to make it.
    public static func fixture(_ relative: String) throws -> String {
        let path = root + "/tests/fixtures/" + relative
        guard FileManager.default.fileExists(atPath: path) else { throw MissingFixture(path: path) }
        return path
    }
}

public struct MissingFixture: Error, CustomStringConvertible {
    public let path: String
    public var description: String {
        "fixture \(path) is missing: run scripts/make_fixtures.py (see its --help)"
    }
}
