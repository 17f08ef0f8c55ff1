import FuzzReplay
@_spi(Fuzzing) import HTTPServer

/// libFuzzer target: bytes on an HTTP/1.1 connection, through the request parser. The first byte
/// chooses where the first read ends; the parser must answer, refuse or wait, never read past what
/// it was given (AddressSanitizer) or claim bytes it did not get.
func fuzzHTTP1(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    _ = HTTP1Fuzzing.run(UnsafeRawBufferPointer(start: data + 1, count: size - 1), split: Int(data[0]) * 4)
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzHTTP1) }
}
