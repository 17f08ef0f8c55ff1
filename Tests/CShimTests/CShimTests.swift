import CCurl
import CEpoll
import CNghttp2
import COpenSSL
import XCTest

/// The C shims link and expose what the layers above rely on.
final class CShimTests: XCTestCase {
    func testEpollAndEventfdAreCallable() throws {
        let ep = epoll_create1(0)
        XCTAssertGreaterThanOrEqual(ep, 0)
        let ev = eventfd(0, 0)
        XCTAssertGreaterThanOrEqual(ev, 0)
        close(ev)
        close(ep)
    }

    func testNghttp2VersionIsAtLeast152() throws {
        let info = try XCTUnwrap(nghttp2_version(0))
        XCTAssertGreaterThanOrEqual(info.pointee.version_num, 0x013400)
    }

    func testOpenSSLIsVersion3() {
        XCTAssertGreaterThanOrEqual(OpenSSL_version_num(), 0x3000_0000)
    }

    func testCurlSupportsSigV4() throws {
        let info = try XCTUnwrap(curl_version_info(CURLversion(rawValue: UInt32(CURLVERSION_LAST.rawValue - 1))))
        XCTAssertGreaterThanOrEqual(info.pointee.version_num, 0x074B00)  // 7.75: CURLOPT_AWS_SIGV4
    }
}
