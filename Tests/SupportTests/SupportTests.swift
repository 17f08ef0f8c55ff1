import Support
import XCTest

/// The shared facts: one way to write a UTC time, hex, a Prometheus family, and system calls whose
/// failures come back as values with their errno.
final class SupportTests: XCTestCase {
    func testUTCTimeWritesISO8601AndIMFFixdate() {
        // 784111777 s = Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's own example.
        let t = UTCTime(seconds: 784_111_777)
        XCTAssertEqual(t.imfFixdate, "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(t.iso8601(), "1994-11-06T08:49:37Z")
        XCTAssertEqual(t.iso8601(milliseconds: 7), "1994-11-06T08:49:37.007Z")
        XCTAssertEqual(UTCTime.iso8601(0), "1970-01-01T00:00:00Z")
    }

    func testHexAndTrimming() {
        XCTAssertEqual(Hex.string([0x00, 0x0f, 0xa5, 0xff]), "000fa5ff")
        var out: [UInt8] = []
        Hex.append(0xab, into: &out, digits: Hex.upper)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "AB")
        XCTAssertEqual("\r\n key \t".trimming(" \t\r\n"), "key")
        XCTAssertEqual("\n\n".trimming("\n"), "")
    }

    func testPrometheusFamilyHistogramAndEscaping() {
        var out = ""
        PrometheusText.family("x_total", type: "counter", help: "Things.", samples: [("{k=\"a\"}", 3)], into: &out)
        PrometheusText.histogram("d", labels: "", bounds: [0.1, 1], counts: [2, 1], sum: 0.5, count: 4, into: &out)
        XCTAssertEqual(out, """
            # HELP x_total Things.
            # TYPE x_total counter
            x_total{k="a"} 3
            d_bucket{le="0.1"} 2
            d_bucket{le="1.0"} 3
            d_bucket{le="+Inf"} 4
            d_sum 0.5
            d_count 4

            """)
        XCTAssertEqual(PrometheusText.escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd")
    }

    func testSystemCallFailuresCarryTheirErrnoAndHarmlessOnesAreNotErrors() throws {
        XCTAssertThrowsError(try Sys.open("/nonexistent/file", O_RDONLY)) { error in
            XCTAssertEqual((error as? SystemError)?.errno, ENOENT)
            XCTAssertEqual((error as? SystemError)?.reason, "No such file or directory")
        }
        XCTAssertNoThrow(try Sys.unlink("/nonexistent/file"), "a file already gone is not an error")
        let folder = "/tmp/support-test-\(getpid())"
        try Sys.mkdir(folder)
        XCTAssertNoThrow(try Sys.mkdir(folder), "a folder that exists is not an error")
        XCTAssertEqual(Sys.listNames(folder), [])
        XCTAssertNotNil(Sys.fileStatus(folder))
        _ = rmdir(folder)
        XCTAssertNil(Sys.fileStatus(folder))
    }

    func testAWakeSignalCutsAWaitShort() throws {
        let wake = try WakeSignal()
        wake.signal()
        let started = Clock.monotonicSeconds()
        wake.wait(timeoutMs: 10_000)  // returns at once: the signal is pending
        XCTAssertLessThan(Clock.monotonicSeconds() - started, 5)
    }
}

final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=",
                       "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, plain)
        }
        XCTAssertEqual(Base64.encode([0xFB, 0xFF, 0xBF]), "+/+/")
    }
}

final class SpareBytesTests: XCTestCase {
    /// A buffer given back is the next one taken on the same thread: same storage, emptied.
    func testAGivenBufferIsTakenNextEmptiedOnItsThreadOnly() {
        var first = SpareBytes.take(capacity: 100)
        XCTAssertTrue(first.isEmpty)
        XCTAssertGreaterThanOrEqual(first.capacity, 100)
        first.append(contentsOf: [1, 2, 3])
        let storage = first.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        SpareBytes.give(&first)
        XCTAssertEqual(first.capacity, 0, "the storage moved into the spare")

        // Another thread has its own spare (none yet): it gets fresh storage.
        let other = onAnotherThread { SpareBytes.take(capacity: 10).withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        XCTAssertNotEqual(other, storage)

        var again = SpareBytes.take(capacity: 50)
        XCTAssertTrue(again.isEmpty)
        XCTAssertEqual(again.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }, storage)
        // Taken once: the thread has no spare left.
        let next = SpareBytes.take(capacity: 50)
        XCTAssertNotEqual(next.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }, storage)
        again.append(9)
        XCTAssertEqual(again, [9])
    }

    /// A spare smaller than asked for grows; one above the limit is not kept.
    func testSizes() {
        var small = SpareBytes.take(capacity: 8)
        SpareBytes.give(&small)
        XCTAssertGreaterThanOrEqual(SpareBytes.take(capacity: 4096).capacity, 4096)

        var large = [UInt8](repeating: 1, count: SpareBytes.maxKeptCapacity + 1)
        SpareBytes.give(&large)
        XCTAssertEqual(large.count, SpareBytes.maxKeptCapacity + 1, "too large to keep: left as it was")
        XCTAssertLessThan(SpareBytes.take(capacity: 1).capacity, SpareBytes.maxKeptCapacity)
    }
}

/// Runs `body` on a new thread and waits for its result.
private func onAnotherThread(_ body: @escaping @Sendable () -> UInt) -> UInt {
    final class Box: @unchecked Sendable {
        var value: UInt = 0
        let done = DispatchSemaphore(value: 0)
    }
    let box = Box()
    Thread.detachNewThread {
        box.value = body()
        box.done.signal()
    }
    box.done.wait()
    return box.value
}
