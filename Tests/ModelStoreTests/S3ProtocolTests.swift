@testable import ModelStore
import XCTest
import Support

/// The pieces of the S3 client that need no server: XML answers, URI encoding, credentials lookup.
final class S3ProtocolTests: XCTestCase {
    func testListObjectsV2ResultIsRead() {
        let xml = Array("""
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
            <IsTruncated>true</IsTruncated><Contents><Key>fraud/1/a&amp;b.json</Key><ETag>&quot;abc&quot;</ETag>\
            <Size>12</Size></Contents><Contents><Key>fraud/2/manifest.json</Key><Size>0</Size></Contents>\
            <KeyCount>2</KeyCount><NextContinuationToken>t/o+k=</NextContinuationToken></ListBucketResult>
            """.utf8)[...]
        let contents = S3XML.elements("Contents", in: xml)
        XCTAssertEqual(contents.count, 2)
        XCTAssertEqual(S3XML.text("Key", in: contents[0]), "fraud/1/a&b.json")
        XCTAssertEqual(S3XML.text("ETag", in: contents[0]), "\"abc\"")
        XCTAssertEqual(S3XML.text("Size", in: contents[1]), "0")
        XCTAssertNil(S3XML.text("ETag", in: contents[1]))
        // <Key> must not match <KeyCount>.
        XCTAssertEqual(S3XML.elements("Key", in: xml).count, 2)
        XCTAssertEqual(S3XML.text("NextContinuationToken", in: xml), "t/o+k=")
        XCTAssertEqual(S3XML.text("IsTruncated", in: xml), "true")
    }

    func testErrorDocumentAndEdgeCases() {
        let xml = Array("<Error><Code>AccessDenied</Code><Message>no &#x41;&#66; &bogus;</Message><Empty/></Error>".utf8)[...]
        XCTAssertEqual(S3XML.text("Code", in: xml), "AccessDenied")
        XCTAssertEqual(S3XML.text("Message", in: xml), "no AB &bogus;")
        XCTAssertEqual(S3XML.text("Empty", in: xml), "")
        XCTAssertNil(S3XML.text("Missing", in: xml))
        XCTAssertEqual(S3XML.elements("Code", in: Array("<Code>unterminated".utf8)[...]).count, 0)
        XCTAssertEqual(S3XML.elements("Code", in: [][...]).count, 0)
    }

    func testAWSURIEncoding() {
        XCTAssertEqual(AWSEncoding.uri("fraud/1/xgb model+é.json"), "fraud/1/xgb%20model%2B%C3%A9.json")
        XCTAssertEqual(AWSEncoding.uri("fraud/", keepSlash: false), "fraud%2F")
        XCTAssertEqual(AWSEncoding.uri("A-z_0.9~"), "A-z_0.9~")
        XCTAssertEqual(AWSEncoding.uri("t=1&x"), "t%3D1%26x")
    }

    func testCredentialsFromEnvironmentFilesAndProfile() throws {
        let dir = FileManagerless.temporaryFolder()
        let secretFile = dir + "/secret"
        try FileSystem.writeAtomically(secretFile, Array("s3cr3t\r\n".utf8))
        var env = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY_FILE": secretFile]
        XCTAssertEqual(try AWSCredentials.fromEnvironment { env[$0] },
                       AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s3cr3t"))
        env = ["AWS_ACCESS_KEY_ID": "AKID"]
        XCTAssertThrowsError(try AWSCredentials.fromEnvironment { env[$0] })
        let ini = dir + "/credentials"
        try FileSystem.writeAtomically(ini, Array("""
            [default]
            aws_access_key_id = DEF
            aws_secret_access_key = defsecret
            [ci]
            aws_access_key_id=CI
            aws_secret_access_key=cisecret
            aws_session_token = tok
            """.utf8))
        env = ["AWS_SHARED_CREDENTIALS_FILE": ini, "AWS_PROFILE": "ci"]
        XCTAssertEqual(try AWSCredentials.fromEnvironment { env[$0] },
                       AWSCredentials(accessKeyID: "CI", secretAccessKey: "cisecret", sessionToken: "tok"))
        env = ["AWS_SHARED_CREDENTIALS_FILE": ini, "AWS_PROFILE": "nope"]
        XCTAssertThrowsError(try AWSCredentials.fromEnvironment { env[$0] })
        env = ["HOME": dir + "/nowhere"]
        XCTAssertNil(try AWSCredentials.fromEnvironment { env[$0] })
    }

    func testTrimmingTreatsCRLFAsTwoCharacters() {
        XCTAssertEqual("  key\n".trimming(" \t\r\n"), "key")
        XCTAssertEqual("\r\nkey\r\n".trimming(" \t\r\n"), "key")
        XCTAssertEqual("\n\n".trimming(" \t\r\n"), "")
    }

    func testModelURIs() throws {
        XCTAssertEqual(try ModelURI("s3://bucket/fraud/"), .s3(bucket: "bucket", key: "fraud/"))
        XCTAssertEqual(try ModelURI("s3://bucket"), .s3(bucket: "bucket", key: ""))
        XCTAssertEqual(try ModelURI("models/default"), .local("models/default"))
        XCTAssertEqual(try ModelURI("https://h/m/"), .http("https://h/m/"))
        XCTAssertThrowsError(try ModelURI("s3:///fraud"))
        XCTAssertThrowsError(try ModelURI("gs://bucket/x"))
    }

    func testBackoffGrowsWithJitterAndIsCapped() {
        XCTAssertEqual(ModelManager.delay(afterErrors: 0, intervalMs: 1000, maxMs: 60_000), 1000)
        for errors in 1...40 {
            let step = min(60_000, 1000 << min(errors, 20))
            let d = ModelManager.delay(afterErrors: errors, intervalMs: 1000, maxMs: 60_000)
            XCTAssertGreaterThanOrEqual(d, step / 2)
            XCTAssertLessThanOrEqual(d, step)
        }
    }
}

/// A fresh folder under /tmp, without Foundation.
enum FileManagerless {
    static func temporaryFolder() -> String {
        let path = "/tmp/fraudscore-test-\(UInt64.random(in: 0...UInt64.max))"
        FileSystem.makeDirectories(path)
        return path
    }
}

final class S3AddressingTests: XCTestCase {
    private func base(endpoint: String?, addressing: S3Config.Addressing?, region: String = "ru-central1") throws -> String {
        var c = S3Config()
        c.endpoint = endpoint
        c.addressing = addressing
        c.region = region
        return try S3Store(bucket: "models", config: c).base
    }

    func testPathAndVirtualHostedURLs() throws {
        XCTAssertEqual(try base(endpoint: "http://minio:9000/", addressing: nil), "http://minio:9000/models")
        XCTAssertEqual(try base(endpoint: "https://storage.yandexcloud.net", addressing: .virtual),
                       "https://models.storage.yandexcloud.net")
        XCTAssertEqual(try base(endpoint: nil, addressing: nil, region: "eu-west-1"), "https://models.s3.eu-west-1.amazonaws.com")
        XCTAssertEqual(try base(endpoint: nil, addressing: .path, region: "eu-west-1"), "https://s3.eu-west-1.amazonaws.com/models")
        XCTAssertThrowsError(try base(endpoint: "minio:9000", addressing: nil))
    }
}
