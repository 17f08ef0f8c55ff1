"""HTTP/2 cleartext with prior knowledge (h2c, on by default) on the HTTP/1.1 port, driven by real clients: curl,
nghttp and h2load get the same /predict answers as HTTP/1.1."""
import json
import re
import subprocess
import urllib.request

from conftest import REPO

SAMPLE = REPO / "examples/sample_request.json"


def curl_h2(url, *args):
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-w", "\\n%{http_version} %{http_code}", *args, url],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    body, _, tail = out.stdout.rpartition("\n")
    return tail.split(), body


def test_curl_gets_the_http1_answer_over_h2c(start_server):
    server = start_server("--port", "0")
    (version, status), body = curl_h2(server.url + "/predict", "-H", "Content-Type: application/json",
                                      "--data-binary", f"@{SAMPLE}")
    assert (version, status) == ("2", "200")
    req = urllib.request.Request(server.url + "/predict", data=SAMPLE.read_bytes(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:  # HTTP/1.1 on the same port
        assert json.loads(r.read()) == json.loads(body)
    (version, status), health = curl_h2(server.url + "/health/ready")
    assert (version, status) == ("2", "200")
    (version, status), _ = curl_h2(server.url + "/no/such/path")
    assert (version, status) == ("2", "404")
    assert server.stop() == 0


def test_nghttp_sees_the_settings_and_the_request_id(start_server):
    server = start_server("--port", "0")
    out = subprocess.run(["nghttp", "-nv", "-H", "x-request-id: h2-order-1", "-d", str(SAMPLE),
                          "-H", "content-type: application/json", server.url + "/predict"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100" in out.stdout
    assert "SETTINGS_ENABLE_PUSH(0x02):0" in out.stdout
    assert re.search(r":status: 200", out.stdout)
    assert "x-request-id: h2-order-1" in out.stdout
    assert server.stop() == 0


def test_h2load_many_streams_all_succeed(start_server):
    server = start_server("--port", "0", "--threads", "2")
    out = subprocess.run(["h2load", "-n", "4000", "-c", "8", "-m", "16", "-d", str(SAMPLE),
                          "-H", "content-type: application/json", server.url + "/predict"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "4000 succeeded, 0 failed, 0 errored" in out.stdout, out.stdout
    assert "status codes: 4000 2xx" in out.stdout, out.stdout
    assert server.stop() == 0


def test_open_connections_are_counted_by_protocol(start_server):
    import socket
    server = start_server("--port", "0")
    h2 = socket.create_connection(("127.0.0.1", server.port))
    h2.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000000040000000000"))  # preface, SETTINGS
    assert h2.recv(9)[3] == 4  # the server's SETTINGS frame: the connection is HTTP/2 now
    text = urllib.request.urlopen(server.url + "/metrics", timeout=5).read().decode()
    assert re.search(r'^fraudscore_connections_open\{protocol="h2c"\} 1$', text, re.M), text
    assert re.search(r'^fraudscore_connections_open\{protocol="http1"\} 1$', text, re.M), text  # this scrape
    h2.close()
    assert server.stop() == 0


def test_oversize_body_is_413_over_h2(start_server):
    server = start_server("--port", "0", "--max-body-bytes", "100")
    (version, status), body = curl_h2(server.url + "/predict", "-H", "Content-Type: application/json",
                                      "--data-binary", f"@{SAMPLE}")
    assert (version, status) == ("2", "413")
    assert "100 bytes" in json.loads(body)["detail"]
    assert server.stop() == 0


def test_no_h2c_keeps_a_plain_port_http1_only(start_server):
    server = start_server("--port", "0", "--no-h2c")
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", server.url + "/health/live"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0  # the preface is not HTTP/1.1: refused
    assert server.stop() == 0


def test_a_preface_that_starts_like_http2_but_is_wrong_gets_goaway_protocol_error(start_server):
    """RFC 9113 §3.4: "PRI * HTTP/2.0" followed by anything but the rest of the preface is an HTTP/2
    connection error, answered with GOAWAY PROTOCOL_ERROR, not an HTTP/1.1 response."""
    import socket
    server = start_server("--port", "0")
    for wrong in (b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", b"PRI * HTTP/2.0\r\nHost: x\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(wrong)
            received = b""
            while chunk := s.recv(4096):
                received += chunk
        assert not received.startswith(b"HTTP/1.1"), received
        assert received == bytes.fromhex("0000080700000000000000000000000001"), received  # GOAWAY(0, PROTOCOL_ERROR)
    # A request line that merely starts with PRI, as HTTP/1.1, is still HTTP/1.1.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"PRI /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 ")
    assert server.stop() == 0


def test_a_stream_made_to_depend_on_itself_is_reset_with_protocol_error(start_server):
    """RFC 9113 §5.3.1: an open stream that a PRIORITY frame makes depend on itself is reset with
    PROTOCOL_ERROR and not answered, and the connection goes on; on an idle stream, where RST_STREAM
    may not be sent, it is a connection error PROTOCOL_ERROR."""
    from h2conformance.client import Target
    from h2conformance.frames import GOAWAY, HEADERS, PING, PROTOCOL_ERROR, RST_STREAM
    server = start_server("--port", "0")
    target = Target("127.0.0.1", server.port, path="/health/live")
    try:
        c = target.open()
        c.send_headers(1, target.request("/predict", "POST", (("content-type", "application/json"),)), end_stream=False)
        c.send_priority(1, depends_on=1)
        reset = c.until(lambda f: f.type in (RST_STREAM, GOAWAY, HEADERS))
        assert (reset.type, reset.stream, reset.code) == (RST_STREAM, 1, PROTOCOL_ERROR), reset.describe()
        c.send_ping(b"stillup!")
        assert c.until(lambda f: f.type == PING and f.ack).payload == b"stillup!"
        c.send_headers(5)
        assert c.until(lambda f: f.type == HEADERS and f.stream == 5).status() == "200"
        # HEADERS that depend on their own stream: nghttp2 makes it a connection error, as §5.4.1 allows.
        c.send_headers(7, priority=(7, 15, False))
        error = c.until(lambda f: f.type in (RST_STREAM, GOAWAY, HEADERS))
        assert error.type in (RST_STREAM, GOAWAY) and error.code == PROTOCOL_ERROR, error.describe()
        idle = target.open()
        idle.send_priority(9, depends_on=9)
        goaway = idle.until(lambda f: f.type in (RST_STREAM, GOAWAY))
        assert (goaway.type, goaway.code) == (GOAWAY, PROTOCOL_ERROR), goaway.describe()
    finally:
        target.close_all()
    assert server.stop() == 0
