import FuzzReplay
@_spi(Fuzzing) import HTTPServer

/// libFuzzer target: bytes of an HTTP/2 connection after its preface, through the frame scanner
/// that counts floods and finds DATA and PRIORITY frames before nghttp2 reads them. The first byte
/// sets the size of each read; the scanner must keep its place across reads, never read past one.
func fuzzHTTP2Frames(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    _ = HTTP2Fuzzing.run(UnsafeRawBufferPointer(start: data + 1, count: size - 1), chunk: Int(data[0]) + 1)
    return 0
}

@main struct Main {
    static func main() { FuzzReplay.main(fuzzHTTP2Frames) }
}
