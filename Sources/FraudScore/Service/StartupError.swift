/// Why the service did not start, with what to fix; `exitCode` is what the executable exits with
/// (2: a configuration or model problem, 1: the port cannot be opened).
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public let what: String
    public let detail: String
    public let exitCode: Int32

    public var description: String { "\(what): \(detail)" }
}
