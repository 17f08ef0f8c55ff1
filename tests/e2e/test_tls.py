"""TLS on the main port (--tls-cert/--tls-key): real clients (curl, nghttp, h2load, openssl, Python's
ssl) over loopback. ALPN picks h2 or http/1.1, TLS 1.0/1.1 are refused, a stalled handshake is cut
off, sessions resume, and a rotated certificate reaches new connections while old ones carry on."""
import hashlib
import json
import os
import re
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest

from conftest import REPO

SAMPLE = REPO / "examples/sample_request.json"


def make_cert(directory, name):
    """A self-signed P-256 certificate for 127.0.0.1 with CN=name; returns (cert, key) paths."""
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def install(src_cert, src_key, cert, key):
    """Replaces the served files the way a Secret volume does: new files renamed over the old."""
    for src, dst in ((src_key, key), (src_cert, cert)):
        tmp = dst.with_suffix(".tmp")
        tmp.write_bytes(src.read_bytes())
        os.replace(tmp, dst)


@pytest.fixture
def certs(tmp_path):
    first = make_cert(tmp_path, "first")
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    install(*first, cert, key)
    return {"dir": tmp_path, "cert": cert, "key": key, "first": first}


def tls_server(start_server, certs, *extra):
    return start_server("--port", "0", "--tls-cert", str(certs["cert"]), "--tls-key", str(certs["key"]),
                        "--probe-port", "0", *extra)


def probe_url(server):
    entry = server.entries(msg="listening")[0]
    return "http://" + entry["probe_address"].replace("0.0.0.0", "127.0.0.1")


def metric(server, name):
    with urllib.request.urlopen(probe_url(server) + "/metrics", timeout=10) as r:
        text = r.read().decode()
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    assert m, f"{name} not in /metrics"
    return int(m.group(1))


def client_context(certs, **kw):
    ctx = ssl.create_default_context(cafile=str(certs["first"][0]))
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # rotation tests serve other certificates; each test checks what it got
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def connect(server, ctx, alpn=None, session=None):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if alpn is not None:
        ctx.set_alpn_protocols(alpn)
    return ctx.wrap_socket(raw, server_hostname="localhost", session=session)


def http11(sock, path="/health/ready"):
    """One keep-alive HTTP/1.1 GET on an open (TLS) socket: (status, body)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return int(head.split()[1]), body


def fingerprint(sock):
    return hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()


def curl(url, *args):
    out = subprocess.run(["curl", "-sS", "-w", "\\n%{http_version} %{http_code}", *args, url],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    body, _, tail = out.stdout.rpartition("\n")
    return tail.split(), body


def test_curl_and_nghttp_get_the_plain_answer_over_tls_h2_and_h1(start_server, certs):
    plain = start_server("--port", "0")
    server = tls_server(start_server, certs)
    post = ["-H", "Content-Type: application/json", "--data-binary", f"@{SAMPLE}"]
    _, expected = curl(plain.url + "/predict", *post)
    url = f"https://localhost:{server.port}/predict"
    ca = ["--cacert", str(certs["cert"])]  # verified: curl checks the name and the chain
    (version, status), h2 = curl(url, "--http2", *ca, *post)
    assert (version, status) == ("2", "200")
    (version, status), h1 = curl(url, "--http1.1", *ca, *post)
    assert (version, status) == ("1.1", "200")
    out = subprocess.run(["nghttp", "-d", str(SAMPLE), "-H", "content-type: application/json", url],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(h2) == json.loads(h1) == json.loads(out.stdout) == json.loads(expected)
    assert metric(server, 'fraudscore_tls_handshakes_total') == 3
    assert server.stop() == 0


def test_alpn_selects_each_protocol(start_server, certs):
    server = tls_server(start_server, certs)
    with connect(server, client_context(certs), alpn=["h2", "http/1.1"]) as s:
        assert s.selected_alpn_protocol() == "h2"
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        frame = s.recv(9)
        assert frame[3] == 0x4, "the server's first HTTP/2 frame is its SETTINGS"
    with connect(server, client_context(certs), alpn=["http/1.1"]) as s:
        assert s.selected_alpn_protocol() == "http/1.1"
        assert http11(s) == (200, b'{"status":"ready"}')
        # ALPN said HTTP/1.1: an HTTP/2 preface on this connection is an HTTP/1.1 request for version 2.0.
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        assert s.recv(64).startswith(b"HTTP/1.1 505 ")
    with connect(server, client_context(certs)) as s:  # no ALPN at all: HTTP/1.1
        assert s.selected_alpn_protocol() is None
        assert http11(s) == (200, b'{"status":"ready"}')
    out = subprocess.run(["nghttp", "-nv", f"https://127.0.0.1:{server.port}/health/ready"],
                         capture_output=True, text=True, timeout=30)
    assert "The negotiated protocol: h2" in out.stdout, out.stdout + out.stderr
    assert ":status: 200" in out.stdout
    assert server.stop() == 0


def test_tls_1_1_is_refused_and_1_2_and_1_3_are_served(start_server, certs):
    server = tls_server(start_server, certs)
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = client_context(certs, minimum_version=version, maximum_version=version)
        with connect(server, ctx) as s:
            assert s.version() == {"TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3"}[version.name]
            assert http11(s)[0] == 200
    # The client side of this machine's OpenSSL would refuse TLS 1.1 itself at the default
    # security level; lowering it makes the refusal the server's (alert 70, protocol_version).
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-tls1_1",
                          "-cipher", "DEFAULT@SECLEVEL=0"], input="", capture_output=True, text=True, timeout=30)
    assert "alert protocol version" in out.stdout + out.stderr, out.stdout + out.stderr
    assert metric(server, 'fraudscore_tls_handshake_failures_total{reason="error"}') == 1
    assert server.stop() == 0


def test_a_stalled_handshake_is_closed_at_the_deadline(start_server, certs):
    server = tls_server(start_server, certs, "--tls-handshake-timeout-ms", "400")
    silent = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    trickle = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    trickle.sendall(b"\x16\x03\x01\x02\x00\x01")  # the start of a ClientHello, never finished
    started = time.monotonic()
    # A well-behaved client is served meanwhile.
    with connect(server, client_context(certs)) as s:
        assert http11(s)[0] == 200
    for sock in (silent, trickle):
        assert sock.recv(100) == b""  # closed by the server
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 3, elapsed
    assert metric(server, 'fraudscore_tls_handshake_failures_total{reason="timeout"}') == 2
    assert server.stop() == 0


def test_sessions_resume_with_tls_1_2_and_1_3(start_server, certs):
    server = tls_server(start_server, certs)
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        ctx = client_context(certs, maximum_version=version)
        with connect(server, ctx) as s:
            assert http11(s)[0] == 200  # TLS 1.3 tickets arrive after the handshake
            session = s.session
            assert not s.session_reused
        with connect(server, ctx, session=session) as s:
            assert s.session_reused, version
            assert http11(s)[0] == 200
    assert server.stop() == 0


def wait_for_log(server, deadline_s=15, **match):
    """Waits until the server has logged a line with these fields (the watcher checks every second)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        found = server.entries(**match)
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no log line {match} within {deadline_s}s")


def test_a_rotated_certificate_reaches_new_connections_only(start_server, certs):
    server = tls_server(start_server, certs)
    first_sha = server.entries(msg="listening")[0]["certificate_sha256"]
    old = connect(server, client_context(certs))
    assert fingerprint(old) == first_sha
    assert http11(old)[0] == 200

    second = make_cert(certs["dir"], "second")
    install(*second, certs["cert"], certs["key"])
    reloaded = wait_for_log(server, msg="tls certificate reloaded")[0]
    assert reloaded["certificate_subject"] == "/CN=second"
    with connect(server, client_context(certs)) as new:
        assert fingerprint(new) == reloaded["certificate_sha256"] != first_sha
        assert http11(new)[0] == 200
    # The connection made before the rotation keeps its session and keeps being answered.
    assert http11(old) == (200, b'{"status":"ready"}')
    assert fingerprint(old) == first_sha
    old.close()
    assert server.stop() == 0


def test_a_change_that_does_not_load_keeps_the_current_certificate(start_server, certs):
    server = tls_server(start_server, certs)
    first_sha = server.entries(msg="listening")[0]["certificate_sha256"]
    other_cert, other_key = make_cert(certs["dir"], "other")
    install(certs["first"][0], other_key, certs["cert"], certs["key"])  # a key that is not the certificate's
    failed = wait_for_log(server, msg="tls certificate change not loaded; still serving the previous one")[0]
    assert "does not belong to the certificate" in failed["error"]
    with connect(server, client_context(certs)) as s:
        assert fingerprint(s) == first_sha
        assert http11(s)[0] == 200
    install(other_cert, other_key, certs["cert"], certs["key"])  # the rotation completes
    reloaded = wait_for_log(server, msg="tls certificate reloaded")[0]
    assert reloaded["certificate_subject"] == "/CN=other"
    assert server.stop() == 0


def test_plain_http_on_the_tls_port_is_told_to_use_https(start_server, certs):
    server = tls_server(start_server, certs)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400 ")
    assert data.endswith(b'{"detail":"This port speaks TLS: use https://"}')
    assert server.stop() == 0


def test_the_probe_port_serves_health_and_metrics_only(start_server, certs):
    server = tls_server(start_server, certs)
    base = probe_url(server)
    with urllib.request.urlopen(base + "/health/ready", timeout=10) as r:
        assert (r.status, r.read()) == (200, b'{"status":"ready"}')
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        assert b"fraudscore_connections_open" in r.read()
    req = urllib.request.Request(base + "/predict", data=SAMPLE.read_bytes(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 404
    assert server.stop() == 0


def test_h2load_over_tls_h2_and_h1(start_server, certs):
    server = tls_server(start_server, certs, "--threads", "2")
    url = f"https://127.0.0.1:{server.port}/predict"
    for proto in ([], ["--h1"]):
        out = subprocess.run(["h2load", *proto, "-n", "2000", "-c", "4", "-m", "8", "-d", str(SAMPLE),
                              "-H", "content-type: application/json", url],
                             capture_output=True, text=True, timeout=120)
        assert "2000 succeeded, 0 failed, 0 errored" in out.stdout, out.stdout + out.stderr
        assert "status codes: 2000 2xx" in out.stdout
        assert ("Application protocol: http/1.1" if proto else "Application protocol: h2") in out.stdout
    assert server.stop() == 0


def test_unusable_tls_files_stop_the_start_with_the_reason(tmp_path, certs):
    from conftest import binary
    _, other_key = make_cert(tmp_path, "other")
    cases = [
        (["--tls-cert", str(certs["cert"]), "--tls-key", str(other_key)], 2, "does not belong to the certificate"),
        (["--tls-cert", str(tmp_path / "missing.crt"), "--tls-key", str(certs["key"])], 2, "cannot be used"),
        (["--tls-cert", str(certs["cert"])], 64, "--tls-cert and --tls-key go together"),  # a usage error
    ]
    for args, code, reason in cases:
        out = subprocess.run([binary(), "serve", "--host", "127.0.0.1", "--port", "0", *args], cwd=REPO,
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == code, out
        assert reason in out.stdout + out.stderr, out.stdout + out.stderr
