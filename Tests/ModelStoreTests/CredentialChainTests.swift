@testable import ModelStore
import XCTest

/// The credential chain's parts that need no server: the order of the sources, the renewal time,
/// the STS and container answers, and which container endpoints are trusted.
final class CredentialChainTests: XCTestCase {
    func testTimestampsAsAWSWritesThem() {
        XCTAssertEqual(epochSeconds(iso8601: "1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(epochSeconds(iso8601: "2026-12-06T22:30:00Z"), 1_796_596_200)
        XCTAssertEqual(epochSeconds(iso8601: "2026-12-06T22:30:00.123456Z"), 1_796_596_200)
        XCTAssertEqual(epochSeconds(iso8601: "2026-12-06T22:30:00+00:00"), 1_796_596_200)
        XCTAssertEqual(epochSeconds(iso8601: "2024-02-29T12:00:01Z"), 1_709_208_001)
        for bad in ["", "2026-12-06", "2026-12-06T22:30:00", "2026-12-06T22:30:00+01:00", "2026-13-06T22:30:00Z",
                    "2026-12-06 22:30:00Z", "2026-12-06T24:00:00Z", "x026-12-06T22:30:00Z"] {
            XCTAssertNil(epochSeconds(iso8601: bad), bad)
        }
    }

    func testRenewalFiveMinutesBeforeTheEndOrAtHalfOfAShortLifetime() {
        let key = AWSCredentials(accessKeyID: "A", secretAccessKey: "S", sessionToken: "T")
        XCTAssertEqual(TemporaryCredentials(credentials: key, fetchedAt: 1000, expiresAt: 4600).refreshAt, 4300)
        XCTAssertEqual(TemporaryCredentials(credentials: key, fetchedAt: 1000, expiresAt: 1004).refreshAt, 1002)
        XCTAssertEqual(TemporaryCredentials(credentials: key, fetchedAt: 1000, expiresAt: 900).refreshAt, 900)
        XCTAssertTrue(TemporaryCredentials(credentials: key, fetchedAt: 1000, expiresAt: 1004).isExpired(at: 1004))
        XCTAssertFalse(TemporaryCredentials(credentials: key, fetchedAt: 1000, expiresAt: 1004).isExpired(at: 1003))
    }

    func testAssumeRoleWithWebIdentityAnswerAndError() throws {
        let ok = TransferResult(status: 200, headers: [], body: Array("""
            <AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>x\
            </SubjectFromWebIdentityToken><Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s/e+c=\
            </SecretAccessKey><SessionToken>to&amp;ken</SessionToken><Expiration>2026-12-06T23:00:00Z</Expiration>\
            </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
            """.utf8))
        let got = try WebIdentityCredentials.parse(ok, role: "arn:r", now: 5)
        XCTAssertEqual(got.credentials, AWSCredentials(accessKeyID: "ASIA1", secretAccessKey: "s/e+c=", sessionToken: "to&ken"))
        XCTAssertEqual(got.expiresAt, 1_796_598_000)
        XCTAssertEqual(got.fetchedAt, 5)
        let refused = TransferResult(status: 403, headers: [], body: Array(
            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized</Message></Error></ErrorResponse>".utf8))
        XCTAssertThrowsError(try WebIdentityCredentials.parse(refused, role: "arn:r", now: 5)) { error in
            XCTAssertEqual((error as? StorageError)?.reason, .denied)
            XCTAssertTrue("\(error)".contains("Not authorized (STS AssumeRoleWithWebIdentity for arn:r)"), "\(error)")
        }
        let incomplete = TransferResult(status: 200, headers: [], body: Array("<Credentials><AccessKeyId>A</AccessKeyId></Credentials>".utf8))
        XCTAssertThrowsError(try WebIdentityCredentials.parse(incomplete, role: "arn:r", now: 5))
    }

    func testContainerAnswerAndTrustedEndpoints() throws {
        let ok = TransferResult(status: 200, headers: [], body: Array(
            #"{"AccessKeyId":"ASIA2","SecretAccessKey":"sec","Token":"tok","Expiration":"2026-12-06T23:00:00Z"}"#.utf8))
        let got = try ContainerCredentials.parse(ok, url: "http://127.0.0.1/c", now: 1)
        XCTAssertEqual(got.credentials, AWSCredentials(accessKeyID: "ASIA2", secretAccessKey: "sec", sessionToken: "tok"))
        let refused = TransferResult(status: 401, headers: [], body: Array(#"{"code":"AccessDeniedException","message":"bad token"}"#.utf8))
        XCTAssertThrowsError(try ContainerCredentials.parse(refused, url: "u", now: 1)) { error in
            XCTAssertEqual((error as? StorageError)?.reason, .denied)
            XCTAssertTrue("\(error)".contains("bad token"), "\(error)")
        }
        for url in ["https://example.com/c", "http://169.254.170.23/v1/credentials", "http://127.0.0.1:9/c",
                    "http://localhost/c", "http://[fd00:ec2::23]/v1/credentials", "http://[::1]:80/c"] {
            XCTAssertTrue(ContainerCredentials.allowed(url), url)
        }
        for url in ["http://192.0.2.1/c", "http://169.254.169.254/latest", "ftp://127.0.0.1/", "http://127.0.0.1.evil/"] {
            XCTAssertFalse(ContainerCredentials.allowed(url), url)
        }
        let relative = try XCTUnwrap(ContainerCredentials { ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds"][$0] })
        XCTAssertEqual(relative.url, "http://169.254.170.2/v2/creds")
    }

    func testChainOrderStaticKeysFirstThenWebIdentityThenFileThenContainer() throws {
        let dir = FileManagerless.temporaryFolder()
        let ini = dir + "/credentials"
        try FileSystem.writeAtomically(ini, Array("[default]\naws_access_key_id = FILE\naws_secret_access_key = f\n".utf8))
        // Static keys win over everything; an unreachable STS is never asked.
        let staticFirst = AWSCredentialChain(env: { ["AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "e",
                                                     "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent", "AWS_ROLE_ARN": "r",
                                                     "AWS_SHARED_CREDENTIALS_FILE": ini][$0] })
        XCTAssertEqual(try staticFirst.credentials()?.accessKeyID, "ENV")
        // Web identity comes before the shared file: its unreadable token file is the error.
        let webIdentity = AWSCredentialChain(env: { ["AWS_WEB_IDENTITY_TOKEN_FILE": dir + "/missing-token", "AWS_ROLE_ARN": "r",
                                                     "AWS_SHARED_CREDENTIALS_FILE": ini][$0] })
        XCTAssertThrowsError(try webIdentity.credentials()) { XCTAssertTrue("\($0)".contains("missing-token"), "\($0)") }
        // The shared file comes before container credentials.
        let file = AWSCredentialChain(env: { ["AWS_SHARED_CREDENTIALS_FILE": ini,
                                              "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/"][$0] })
        XCTAssertEqual(try file.credentials()?.accessKeyID, "FILE")
        let none = AWSCredentialChain(env: { ["HOME": dir + "/nowhere"][$0] })
        XCTAssertNil(try none.credentials())
    }
}
