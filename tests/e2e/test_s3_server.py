"""The S3 test server itself (s3server.py, tcpproxy.py): real SigV4 + IAM checks, with boto3 and
with curl's --aws-sigv4 (what our Swift S3Store uses through libcurl). Needs no fraudscore binary.

These tests also pin down the wire behaviour our S3 client relies on (403 codes, ETag, 304,
ListObjectsV2 XML, query canonicalization), so a moto or curl upgrade that changes it shows here.
"""
import re
import socket
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from s3server import start_s3_server

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MD5_ETAG = re.compile(r'^"[0-9a-f]{32}"$')


def error_of(call):
    with pytest.raises(ClientError) as info:
        call()
    r = info.value.response
    return r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Code"]


class Curl:
    """curl --aws-sigv4 exactly as S3Store drives libcurl: region us-east-1, service s3,
    `x-amz-content-sha256: UNSIGNED-PAYLOAD` (curl 7.88 does not add it itself)."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.n = 0

    def __call__(self, url, *args, creds=None, sign=True):
        self.n += 1
        head, body = self.tmp / f"h{self.n}", self.tmp / f"b{self.n}"
        cmd = ["curl", "-sS", "-v", "--noproxy", "*", "-D", str(head), "-o", str(body), "-w", "%{http_code}"]
        if sign:
            cmd += ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "%s:%s" % creds,
                    "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"]
        r = subprocess.run([*cmd, *args, url], capture_output=True, text=True, timeout=30)
        resp = CurlResponse(r, head, body)
        return resp


class CurlResponse:
    def __init__(self, r, head, body):
        self.exit = r.returncode
        self.status = int(r.stdout or 0)
        self.trace = r.stderr
        self.body = body.read_bytes() if body.exists() else b""
        self.headers = {}
        if head.exists():
            for line in head.read_text(errors="replace").splitlines():
                if ":" in line:
                    k, v = line.split(":", 1)
                    self.headers[k.strip().lower()] = v.strip()

    @property
    def code(self):
        m = re.search(rb"<Code>([^<]*)</Code>", self.body)
        return m.group(1).decode() if m else None

    @property
    def signed_headers(self):
        m = re.search(r"SignedHeaders=([^,\s]*)", self.trace)
        return m.group(1).split(";") if m else []


@pytest.fixture
def curl(s3, tmp_path):
    c = Curl(tmp_path)

    def run(path, *args, creds=None, sign=True, endpoint=None):
        return c((endpoint or s3.endpoint) + path, *args, creds=creds or s3.credentials, sign=sign)
    return run


def aws_query(**params):
    """A ListObjectsV2-style query in SigV4 canonical form: names sorted, every name and value
    RFC 3986-encoded (only A-Z a-z 0-9 - _ . ~ left as is; '/' -> %2F, '=' -> %3D, ' ' -> %20).
    curl 7.88 signs the query exactly as sent, so sending it canonical is what makes it verify."""
    items = sorted((k.replace("_", "-"), str(v)) for k, v in params.items())
    return "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}" for k, v in items)


# --- boto3 ---------------------------------------------------------------------------------------

def test_right_credentials_put_get_list_delete(s3, s3_bucket):
    etag = s3.put("models/a.bin", b"alpha", bucket=s3_bucket)
    assert MD5_ETAG.match(etag)
    s3.put("models/b.bin", b"beta", bucket=s3_bucket)
    s3.put("other/c.bin", b"gamma", bucket=s3_bucket)
    assert s3.get("models/a.bin", bucket=s3_bucket) == b"alpha"
    assert s3.list("models/", bucket=s3_bucket) == ["models/a.bin", "models/b.bin"]
    s3.delete("models/a.bin", bucket=s3_bucket)
    assert s3.list("", bucket=s3_bucket) == ["models/b.bin", "other/c.bin"]


def test_default_bucket_exists_and_fresh_buckets_are_empty(s3):
    assert s3.bucket == "models" and s3.region == "us-east-1"
    s3.client().head_bucket(Bucket=s3.bucket)
    b = s3.fresh_bucket()
    assert b != s3.bucket and s3.list("", bucket=b) == []


def test_wrong_secret_key_is_refused(s3):
    s3.put("k/wrong-secret.bin", b"x")
    bad = s3.client(s3.access_key, s3.secret_key[:-1] + ("A" if s3.secret_key[-1] != "A" else "B"))
    assert error_of(lambda: bad.get_object(Bucket=s3.bucket, Key="k/wrong-secret.bin")) == (403, "SignatureDoesNotMatch")
    assert error_of(lambda: bad.put_object(Bucket=s3.bucket, Key="k/x", Body=b"1")) == (403, "SignatureDoesNotMatch")
    assert error_of(lambda: bad.list_objects_v2(Bucket=s3.bucket)) == (403, "SignatureDoesNotMatch")


def test_unknown_access_key_is_refused(s3):
    bad = s3.client("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert error_of(lambda: bad.get_object(Bucket=s3.bucket, Key="anything")) == (403, "InvalidAccessKeyId")
    assert error_of(lambda: bad.list_objects_v2(Bucket=s3.bucket)) == (403, "InvalidAccessKeyId")


def test_user_without_s3_policy_gets_access_denied(s3):
    """Valid key, valid signature, no IAM policy: moto enforces IAM in server mode."""
    assert s3.denied_access_key and s3.denied_secret_key
    s3.put("k/denied.bin", b"x")
    denied = s3.client(*s3.denied_credentials)
    assert error_of(lambda: denied.get_object(Bucket=s3.bucket, Key="k/denied.bin")) == (403, "AccessDenied")
    assert error_of(lambda: denied.list_objects_v2(Bucket=s3.bucket)) == (403, "AccessDenied")
    assert error_of(lambda: denied.put_object(Bucket=s3.bucket, Key="k/y", Body=b"1")) == (403, "AccessDenied")


def test_missing_object_and_bucket(s3):
    c = s3.client()
    assert error_of(lambda: c.get_object(Bucket=s3.bucket, Key="no/such.bin")) == (404, "NoSuchKey")
    assert error_of(lambda: c.list_objects_v2(Bucket="no-such-bucket")) == (404, "NoSuchBucket")


# --- curl --aws-sigv4 (libcurl, like the Swift client) -------------------------------------------

def test_curl_get_right_and_wrong_credentials(s3, curl):
    etag = s3.put("curl/get.bin", b"payload")
    ok = curl(f"/{s3.bucket}/curl/get.bin")
    assert (ok.status, ok.body) == (200, b"payload")
    assert ok.headers["etag"] == etag and MD5_ETAG.match(etag)
    assert ok.signed_headers == ["host", "x-amz-content-sha256", "x-amz-date"]

    wrong = curl(f"/{s3.bucket}/curl/get.bin", creds=(s3.access_key, "not-the-secret"))
    assert (wrong.status, wrong.code) == (403, "SignatureDoesNotMatch")
    unknown = curl(f"/{s3.bucket}/curl/get.bin", creds=("AKIAIOSFODNN7EXAMPLE", "x"))
    assert (unknown.status, unknown.code) == (403, "InvalidAccessKeyId")
    denied = curl(f"/{s3.bucket}/curl/get.bin", creds=s3.denied_credentials)
    assert (denied.status, denied.code) == (403, "AccessDenied")
    missing = curl(f"/{s3.bucket}/curl/missing.bin")
    assert (missing.status, missing.code) == (404, "NoSuchKey")


def test_curl_unsigned_request_is_refused(s3, curl):
    s3.put("curl/anon.bin", b"x")
    anon = curl(f"/{s3.bucket}/curl/anon.bin", sign=False)
    assert anon.status == 403 and anon.body == b""  # moto: bare 403, no XML body


def test_curl_needs_the_content_sha256_header(s3, tmp_path):
    """Without `x-amz-content-sha256` curl 7.88 signs the empty-body hash but moto hashes its own
    parsed form of the request, so even a plain GET fails: S3Store must always send it."""
    s3.put("curl/nohash.bin", b"x")
    r = subprocess.run(["curl", "-sS", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
                        "aws:amz:us-east-1:s3", "--user", "%s:%s" % s3.credentials,
                        f"{s3.endpoint}/{s3.bucket}/curl/nohash.bin"], capture_output=True, text=True)
    assert r.stdout == "403"


def test_curl_header_removal_entry_is_signed_but_not_sent(s3, curl, tmp_path):
    """curl 7.88: `-H "Expect:"` (CURLOPT_HTTPHEADER "Expect:", i.e. "remove this header") still
    lists `expect` in SignedHeaders although no Expect header goes out -> SignatureDoesNotMatch,
    for GET and for an upload alike. So a signed request must not carry header-removal entries
    like "Expect:" (curl's own `Expect: 100-continue` on uploads is not signed and is fine)."""
    s3.put("curl/expect.bin", b"x")
    body = tmp_path / "up.bin"
    body.write_bytes(b"y" * 10)
    for r in (curl(f"/{s3.bucket}/curl/expect.bin", "-H", "Expect:"),
              curl(f"/{s3.bucket}/curl/expect-put.bin", "-H", "Expect:", "-T", str(body))):
        assert "\n> Expect" not in r.trace
        if "expect" in r.signed_headers:
            assert (r.status, r.code) == (403, "SignatureDoesNotMatch")
        else:  # a curl that no longer signs removed headers
            assert r.status == 200


def test_curl_put_upload_with_unsigned_payload(s3, curl, tmp_path):
    small, big = tmp_path / "small.bin", tmp_path / "big.bin"
    small.write_bytes(b"uploaded by curl")
    big.write_bytes(bytes(range(256)) * 8192)  # 2 MiB: curl sends Expect: 100-continue (unsigned)
    for src, key in ((small, "curl/put-small.bin"), (big, "curl/put-big.bin")):
        r = curl(f"/{s3.bucket}/{key}", "-T", str(src))  # CURLOPT_UPLOAD, as S3Store does
        assert r.status == 200, r.body
        assert MD5_ETAG.match(r.headers["etag"])
        assert s3.get(key) == src.read_bytes()
    wrong = curl(f"/{s3.bucket}/curl/put-wrong.bin", "-T", str(small), creds=(s3.access_key, "bad"))
    assert (wrong.status, wrong.code) == (403, "SignatureDoesNotMatch")


def test_curl_put_data_binary_needs_a_content_type(s3, curl):
    """--data-binary defaults to Content-Type application/x-www-form-urlencoded, and moto then
    swallows the body as a form: the object is stored EMPTY (200 all the same)."""
    r = curl(f"/{s3.bucket}/curl/form.bin", "-X", "PUT", "--data-binary", "raw bytes")
    assert r.status == 200 and s3.get("curl/form.bin") == b""
    r = curl(f"/{s3.bucket}/curl/octet.bin", "-X", "PUT", "-H", "Content-Type: application/octet-stream",
             "--data-binary", "raw bytes")
    assert r.status == 200 and s3.get("curl/octet.bin") == b"raw bytes"


def test_curl_if_none_match_gives_304(s3, curl):
    etag = s3.put("curl/cond.bin", b"v1")
    same = curl(f"/{s3.bucket}/curl/cond.bin", "-H", f"If-None-Match: {etag}")
    assert (same.status, same.body) == (304, b"")
    assert same.headers["etag"] == etag
    other = curl(f"/{s3.bucket}/curl/cond.bin", "-H", 'If-None-Match: "0123456789abcdef0123456789abcdef"')
    assert (other.status, other.body) == (200, b"v1")
    etag2 = s3.put("curl/cond.bin", b"v2")
    changed = curl(f"/{s3.bucket}/curl/cond.bin", "-H", f"If-None-Match: {etag}")
    assert (changed.status, changed.body, changed.headers["etag"]) == (200, b"v2", etag2)


def test_curl_list_objects_v2_with_pagination(s3, s3_bucket, curl):
    keys = [f"models/m{i}.bin" for i in range(5)]
    for k in keys:
        s3.put(k, k.encode(), bucket=s3_bucket)
    s3.put("elsewhere/x.bin", b"x", bucket=s3_bucket)

    seen, token, pages = [], None, 0
    while True:
        params = {"list-type": 2, "max-keys": 2, "prefix": "models/"}
        if token:
            params["continuation-token"] = token
        # S3Store's form: path "/bucket/", query sorted + RFC 3986 ("prefix=models%2F").
        r = curl(f"/{s3_bucket}/?{aws_query(**params)}")
        assert r.status == 200, r.body
        root = ET.fromstring(r.body)
        assert root.tag == NS + "ListBucketResult"
        assert root.findtext(NS + "Name") == s3_bucket
        assert root.findtext(NS + "Prefix") == "models/"
        assert root.findtext(NS + "MaxKeys") == "2"
        contents = root.findall(NS + "Contents")
        assert root.findtext(NS + "KeyCount") == str(len(contents))
        for c in contents:
            assert int(c.findtext(NS + "Size")) == len(c.findtext(NS + "Key"))
            assert MD5_ETAG.match(c.findtext(NS + "ETag"))
            assert c.findtext(NS + "LastModified").endswith("Z")
        seen += [c.findtext(NS + "Key") for c in contents]
        pages += 1
        if root.findtext(NS + "IsTruncated") == "false":
            assert root.find(NS + "NextContinuationToken") is None
            break
        assert root.findtext(NS + "IsTruncated") == "true"
        token = root.findtext(NS + "NextContinuationToken")
        assert re.fullmatch(r"[0-9a-f]{32}", token)  # moto: md5 hex of the next key (AWS: opaque base64)
    assert (seen, pages) == (keys, 3)


def test_curl_list_query_must_be_sent_canonical(s3, curl):
    """curl 7.88 signs the query string byte for byte as sent (no sorting, no re-encoding); the
    server canonicalizes it (sorted, RFC 3986). So the client must send it canonical already."""
    s3.put("q/a=b+c d/x.bin", b"x")
    path = f"/{s3.bucket}/?"
    ok = curl(path + "list-type=2&max-keys=1000&prefix=q%2Fa%3Db%2Bc%20d%2F")
    assert ok.status == 200, ok.body
    assert re.findall(rb"<Key>([^<]*)</Key>", ok.body) == [b"q/a=b+c d/x.bin"]
    # A token with '/', '+', '=' (what AWS tokens look like) encodes the same way and verifies.
    tok = curl(path + aws_query(list_type=2, start_after="q/0+/=", prefix="q/"))
    assert tok.status == 200, tok.body
    unsorted = curl(path + "prefix=q%2F&list-type=2")
    assert (unsorted.status, unsorted.code) == (403, "SignatureDoesNotMatch")
    raw_slash = curl(path + "list-type=2&prefix=q/")
    assert (raw_slash.status, raw_slash.code) == (403, "SignatureDoesNotMatch")
    lower_hex = curl(path + "list-type=2&prefix=q%2f")
    assert (lower_hex.status, lower_hex.code) == (403, "SignatureDoesNotMatch")


def test_curl_object_keys_are_signed_percent_encoded(s3, curl):
    s3.put("k/a+b=c é.bin", b"odd")
    ok = curl(f"/{s3.bucket}/" + urllib.parse.quote("k/a+b=c é.bin", safe="/"))
    assert (ok.status, ok.body) == (200, b"odd")


# --- stock moto_server (no AWS canonicalization patch): documents why the patch exists -----------

@pytest.fixture(scope="module")
def stock_s3(tmp_path_factory):
    srv = start_s3_server(tmp_path_factory.mktemp("s3stock"), aws_canonical=False)
    yield srv
    srv.stop()


def test_stock_moto_checks_signature_over_a_redecoded_query(stock_s3, tmp_path):
    stock_s3.put("models/a.bin", b"a")
    c = Curl(tmp_path)
    base = f"{stock_s3.endpoint}/{stock_s3.bucket}/?list-type=2&max-keys=1000&prefix="
    aws_form = c(base + "models%2F", creds=stock_s3.credentials)
    assert (aws_form.status, aws_form.code) == (403, "SignatureDoesNotMatch")
    raw_form = c(base + "models/", creds=stock_s3.credentials)
    assert raw_form.status == 200
    assert error_of(lambda: stock_s3.client().list_objects_v2(Bucket=stock_s3.bucket, Prefix="models/")) \
        == (403, "SignatureDoesNotMatch")
    assert stock_s3.list("models/") == ["models/a.bin"]  # helper filters client-side there


# --- storage down / back via TCPProxy --------------------------------------------------------------

def refused(port):
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_proxy_pause_and_resume_keep_state_and_port(s3, s3_proxy, curl):
    s3.put("proxy/obj.bin", b"still here")
    via = s3.client(endpoint=s3_proxy.endpoint)
    assert via.get_object(Bucket=s3.bucket, Key="proxy/obj.bin")["Body"].read() == b"still here"
    port = s3_proxy.port

    s3_proxy.pause()
    assert refused(port)
    with pytest.raises(EndpointConnectionError):
        via.get_object(Bucket=s3.bucket, Key="proxy/obj.bin")
    down = curl(f"/{s3.bucket}/proxy/obj.bin", endpoint=s3_proxy.endpoint)
    assert down.exit == 7 and down.status == 0  # CURLE_COULDNT_CONNECT
    # Signed for the proxy's host:port, verified by moto behind it: SigV4 survives the proxy.

    s3_proxy.resume()
    assert s3_proxy.port == port and not refused(port)
    assert via.get_object(Bucket=s3.bucket, Key="proxy/obj.bin")["Body"].read() == b"still here"
    up = curl(f"/{s3.bucket}/proxy/obj.bin", endpoint=s3_proxy.endpoint)
    assert (up.status, up.body) == (200, b"still here")
    wrong = curl(f"/{s3.bucket}/proxy/obj.bin", endpoint=s3_proxy.endpoint, creds=(s3.access_key, "bad"))
    assert (wrong.status, wrong.code) == (403, "SignatureDoesNotMatch")


def test_proxy_pause_cuts_open_connections(s3, s3_proxy):
    s3.put("proxy/idle.bin", b"z" * 100)
    with socket.create_connection(("127.0.0.1", s3_proxy.port), timeout=5) as conn:
        deadline = time.monotonic() + 5
        while s3_proxy.open_connections == 0:  # until the proxy has paired it upstream (bounded)
            assert time.monotonic() < deadline, "proxy never connected upstream"
            time.sleep(0.01)
        s3_proxy.pause()
        assert s3_proxy.open_connections == 0
        try:
            data = conn.recv(1)
        except ConnectionResetError:
            data = b""
        assert data == b""  # the client sees the connection die (RST/EOF), not a hang
    s3_proxy.resume()
    via = s3.client(endpoint=s3_proxy.endpoint)
    assert via.get_object(Bucket=s3.bucket, Key="proxy/idle.bin")["Body"].read() == b"z" * 100
