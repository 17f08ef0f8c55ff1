@_spi(Fuzzing) import FraudScore
import FuzzReplay

/// libFuzzer target: a `/predict` body through the transaction decoder (the first byte picks
/// missing features allowed or not, online features or not). It accepts with a full row or
/// refuses with field errors; an accepted row never holds an infinite value.
func fuzzTransaction(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    _ = TransactionFuzzing.decode(UnsafeRawBufferPointer(start: data + 1, count: size - 1), variant: Int(data[0]))
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzTransaction) }
}
