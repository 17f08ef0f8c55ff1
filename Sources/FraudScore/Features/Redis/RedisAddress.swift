/// `redis://[[user]:password@]host[:port][/db]`: where the Redis feature store is.
struct RedisAddress: Sendable, Equatable {
    var host: String
    var port = 6379
    var database = 0
    var user: String?
    var password: String?

    init(host: String, port: Int = 6379, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses the URL, or says what is wrong with it.
    init(parsing url: String) throws(FeatureStoreError) {
        guard url.hasPrefix("redis://") else {
            throw FeatureStoreError(reason: "a Redis store is redis://host:port/db, got \(url)")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let db = rest[rest.index(after: slash)...]
            guard db.isEmpty || Int(db).map({ $0 >= 0 }) == true else {
                throw FeatureStoreError(reason: "the database in \(url) must be a number (redis://host:6379/0)")
            }
            database = Int(db) ?? 0
            rest = rest[..<slash]
        }
        var user: String?, password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = credentials[..<colon].isEmpty ? nil : String(credentials[..<colon])
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                password = String(credentials)
            }
        }
        var host = String(rest), port = 6379
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else {
                throw FeatureStoreError(reason: "the port in \(url) must be 1-65535")
            }
            port = p
            host = String(rest[..<colon])
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw FeatureStoreError(reason: "\(url) names no host (redis://host:6379/0)") }
        self.init(host: host, port: port, database: database)
        self.user = user
        self.password = password
    }

    /// The address without credentials, for /health and logs.
    var display: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "redis://\(h):\(port)/\(database)"
    }
}
