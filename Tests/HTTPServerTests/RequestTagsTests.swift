@testable import HTTPServer
import XCTest
import Support

final class RequestTagsTests: XCTestCase {
    func testTraceparentFollowsW3CTraceContext() {
        let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        XCTAssertTrue(RequestTags.isValidTraceparent(valid))
        XCTAssertTrue(RequestTags.isValidTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later"))
        XCTAssertFalse(RequestTags.isValidTraceparent(valid + "-extra"), "version 00 has a fixed length")
        XCTAssertFalse(RequestTags.isValidTraceparent("ff" + valid.dropFirst(2)))
        XCTAssertFalse(RequestTags.isValidTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"))
        XCTAssertFalse(RequestTags.isValidTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"))
        XCTAssertFalse(RequestTags.isValidTraceparent(valid.uppercased()))
        XCTAssertFalse(RequestTags.isValidTraceparent(String(valid.dropLast())))
    }

    func testClientRequestIdsMustBeVisibleASCII() {
        XCTAssertTrue(RequestTags.isSaneID("order-7781/attempt-2"))
        XCTAssertFalse(RequestTags.isSaneID(""))
        XCTAssertFalse(RequestTags.isSaneID("two words"))
        XCTAssertFalse(RequestTags.isSaneID("quote\"d"))
        XCTAssertFalse(RequestTags.isSaneID("tab\there"))
        XCTAssertFalse(RequestTags.isSaneID("é"))
        XCTAssertTrue(RequestTags.isSaneID(String(repeating: "a", count: 128)))
        XCTAssertFalse(RequestTags.isSaneID(String(repeating: "a", count: 129)))
    }

    func testGeneratedIdsAreSixteenHexDigits() {
        let tagger = RequestTagger(accessLog: nil, logger: "t")
        let ids = (0..<100).map { _ in tagger.tags(for: nil).id }
        XCTAssertEqual(Set(ids).count, 100)
        for id in ids { XCTAssertEqual(id.utf8.count, 16); XCTAssertTrue(id.utf8.allSatisfy { Hex.lower.contains($0) }) }
        XCTAssertEqual(RequestTags(generatedID: 0xAB).id, "00000000000000ab")
    }

    /// The id written into a response head is the id the logs show: sixteen lowercase hex digits
    /// of the generated number, for every nibble value in every position.
    func testTheHeadCarriesTheLoggedId() {
        var generator = SplitMix64(seed: 7)
        let values: [UInt64] = [0, 1, 0x9, 0xA, 0xF, 0x10, 0xFEDC_BA98_7654_3210, 0x0123_4567_89AB_CDEF, .max, 1 << 63]
            + (0..<2000).map { _ in generator.next() }
        for v in values {
            let tags = RequestTags(generatedID: v)
            var written: [UInt8] = []
            tags.appendID(into: &written)
            let expected = String(v, radix: 16)
            XCTAssertEqual(String(decoding: written, as: UTF8.self),
                           String(repeating: "0", count: 16 - expected.utf8.count) + expected)
            XCTAssertEqual(String(decoding: written, as: UTF8.self), tags.id)
        }
    }

    func testLogLineIsOneJSONObjectWithMillisecondsToThreeDecimals() {
        var line = LogLine(level: "info", logger: "t", message: "say \"hi\"")
        line.field("path", "/a\nb")
        line.field("n", 42)
        line.field("d", milli: 1.2345)
        line.field("small", milli: 0.0071)
        let text = String(decoding: line.finish(), as: UTF8.self)
        XCTAssertTrue(text.hasSuffix(",\"msg\":\"say \\\"hi\\\"\",\"path\":\"/a\\nb\",\"n\":42,\"d\":1.235,\"small\":0.007}\n"), text)
        XCTAssertTrue(text.hasPrefix("{\"ts\":\"20"), text)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1)
    }

    func testSampleRateBounds() {
        XCTAssertTrue(AccessLog(sampleRate: 1).sampleAll)
        XCTAssertEqual(AccessLog(sampleRate: 0).threshold, 0)
        XCTAssertEqual(AccessLog(sampleRate: .nan).threshold, 0)
        XCTAssertEqual(AccessLog(sampleRate: 0.5).threshold, 1 << 63)
        // A log level above info: no sampled (info) lines, only the 5xx ones.
        let warning = AccessLog(sampleRate: 1, infoShown: false)
        XCTAssertFalse(warning.sampleAll)
        XCTAssertEqual(warning.threshold, 0)
        XCTAssertEqual(warning.sampleRate, 0)
    }
}
