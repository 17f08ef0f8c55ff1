/// Prometheus's text exposition format (version 0.0.4): families, samples, histograms.
public enum PrometheusText {
    /// One metric family: HELP, TYPE, then `name{labels} value` per sample (labels with their
    /// braces, or "" for none).
    public static func family(_ name: String, type: String, help: String, samples: [(labels: String, value: Int)],
                              into out: inout String) {
        family(name, type: type, help: help, lines: samples.map { ($0.labels, String($0.value)) }, into: &out)
    }

    /// As `family` for real-valued samples (NaN and the infinities written as Prometheus spells them).
    public static func family(_ name: String, type: String, help: String, samples: [(labels: String, value: Double)],
                              into out: inout String) {
        family(name, type: type, help: help, lines: samples.map { ($0.labels, number($0.value)) }, into: &out)
    }

    private static func family(_ name: String, type: String, help: String, lines: [(labels: String, value: String)],
                               into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for (labels, value) in lines { out += "\(name)\(labels) \(value)\n" }
    }

    static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return "\(v)"
    }

    /// The sample lines of one histogram series over `bounds`: cumulative buckets (`counts[i]`
    /// counts observations in bucket i alone), `+Inf`, `_sum` and `_count`.
    public static func histogram(_ name: String, labels: String, bounds: [Double], counts: [Int], sum: Double, count: Int,
                                 into out: inout String) {
        let prefix = labels.isEmpty ? "" : labels + ","
        let plain = labels.isEmpty ? "" : "{" + labels + "}"
        var cumulative = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += counts[i]
            out += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)\n"
        out += "\(name)_sum\(plain) \(sum)\n"
        out += "\(name)_count\(plain) \(count)\n"
    }

    /// A label value with backslash, double quote and newline escaped.
    public static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
