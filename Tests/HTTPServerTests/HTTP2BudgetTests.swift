@testable import HTTPServer
import XCTest

/// The budgets behind the HTTP/2 defences, at their edges: the last token, one past it, refill
/// capped at the burst, and the flood guard's frame sniffer across read boundaries.
final class HTTP2BudgetTests: XCTestCase {
    func testTokenBucketSpendsExactlyItsBurst() {
        var bucket = TokenBucket(burst: 3, perSecond: 1, nowMs: 0)
        XCTAssertTrue(bucket.take())
        XCTAssertTrue(bucket.take())
        XCTAssertTrue(bucket.take(), "the third of three tokens")
        XCTAssertFalse(bucket.take(), "one past the burst")
    }

    func testTokenBucketRefillsAtItsRateUpToTheBurst() {
        var bucket = TokenBucket(burst: 2, perSecond: 10, nowMs: 0)
        XCTAssertTrue(bucket.take())
        XCTAssertTrue(bucket.take())
        bucket.refill(nowMs: 99)  // 0.99 of a token
        XCTAssertFalse(bucket.take())
        var idle = TokenBucket(burst: 2, perSecond: 10, nowMs: 0)
        idle.refill(nowMs: 60_000)  // a minute idle still holds only the burst
        XCTAssertTrue(idle.take())
        XCTAssertTrue(idle.take())
        XCTAssertFalse(idle.take())
        idle.refill(nowMs: 60_000)  // no time passed: nothing accrues
        XCTAssertFalse(idle.take())
    }

    /// A frame header: 24-bit length, type, flags, stream id.
    private func frame(_ type: UInt8, flags: UInt8 = 0, length: Int = 0, stream: UInt32 = 0) -> [UInt8] {
        [UInt8(length >> 16), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags,
         UInt8(stream >> 24), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)]
            + [UInt8](repeating: 0, count: length)
    }

    func testFloodGuardChargesOnlyFramesThatAskForNothing() {
        var guardian = HTTP2FloodGuard(burst: 2, perSecond: 1, nowMs: 0)
        var scan = HTTP2FloodGuard.Scan()
        let free = HTTP2Session.preface + frame(1, flags: 0x5, stream: 1)  // HEADERS + END_STREAM
            + frame(0, flags: 0x1, stream: 1)                              // empty DATA that ends the stream
            + frame(4, flags: 0x1) + frame(6, flags: 0x1, length: 8)       // SETTINGS ACK, PING ACK
        XCTAssertTrue(free.withUnsafeBytes { guardian.admit($0, nowMs: 0, scan: &scan) })
        // The DATA frame starts after the preface (24) and the HEADERS frame header (9).
        XCTAssertEqual(scan.dataFrames.map { [$0.offset, Int($0.stream)] }, [[33, 1]])
        XCTAssertFalse(scan.sawReset)
        let pings = frame(6, length: 8) + frame(6, length: 8)
        XCTAssertTrue(pings.withUnsafeBytes { guardian.admit($0, nowMs: 0, scan: &scan) }, "two pings: the whole burst")
        XCTAssertFalse(frame(0x20).withUnsafeBytes { guardian.admit($0, nowMs: 0, scan: &scan) }, "an unknown frame: one past")
        XCTAssertEqual(guardian.exceededBy, "unknown")
    }

    func testFloodGuardReadsFrameHeadersSplitAcrossReads() {
        var guardian = HTTP2FloodGuard(burst: 1, perSecond: 1, nowMs: 0)
        var scan = HTTP2FloodGuard.Scan()
        let bytes = HTTP2Session.preface + frame(2, length: 5, stream: 1) + frame(2, length: 5, stream: 3)
        // One byte per read: the second PRIORITY frame is still seen, and is one past the budget.
        var admitted = 0
        for byte in bytes {
            guard [byte].withUnsafeBytes({ guardian.admit($0, nowMs: 0, scan: &scan) }) else { break }
            admitted += 1
        }
        XCTAssertEqual(admitted, bytes.count - 5 - 1, "refused at the last header byte of the second frame")
        XCTAssertEqual(guardian.exceededBy, "priority")
    }
}
