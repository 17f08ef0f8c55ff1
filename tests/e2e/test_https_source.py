"""An https:// model source: a web server with a self-signed certificate trusted through
--ca-bundle, a model folder described by manifest.json, polled with If-None-Match."""
import hashlib
import http.server
import ssl
import subprocess
import threading

import pytest

from modelrepo import DEFAULT_MODEL, REFERENCE_XGB, golden_row, models, predict, serving_version, wait_until


class ETagHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with a content ETag and 304 on If-None-Match; counts requests per path."""
    counts = {}

    def do_GET(self):
        ETagHandler.counts[self.path] = ETagHandler.counts.get(self.path, 0) + 1
        path = self.translate_path(self.path)
        try:
            data = open(path, "rb").read()
        except OSError:
            return self.send_error(404)
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            return self.end_headers()
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def https_folder(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **kw: ETagHandler(*a, directory=str(root), **kw)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    ETagHandler.counts = {}
    yield root, f"https://127.0.0.1:{httpd.server_address[1]}/", cert
    httpd.shutdown()


def write_model(root, source, model_version):
    data = source.read_bytes()
    (root / "xgb_model.json").write_bytes(data)
    manifest = ('{"model_version": "%s", "model_file": "xgb_model.json", "files": {"xgb_model.json": '
                '{"sha256": "%s", "size": %d}}}' % (model_version, hashlib.sha256(data).hexdigest(), len(data)))
    (root / "manifest.json").write_text(manifest)


def test_https_folder_with_manifest_is_served_and_reloaded_when_it_changes(start_server, https_folder):
    root, url, cert = https_folder
    write_model(root, DEFAULT_MODEL / "xgb_model.json", "https-a")
    server = start_server("--port", "0", "--model", url, "--ca-bundle", str(cert), "--poll-interval", "0.1")
    wait_until(lambda: serving_version(server) == 1, what="the https model serving")
    assert predict(server, golden_row(0))[1]["model_version"] == "https-a"
    # Unchanged: polls are conditional GETs of manifest.json answered 304; the model is fetched once.
    wait_until(lambda: ETagHandler.counts.get("/manifest.json", 0) >= 5, what="five polls")
    assert ETagHandler.counts["/xgb_model.json"] == 1
    write_model(root, REFERENCE_XGB, "https-b")
    wait_until(lambda: predict(server, golden_row(0))[1]["model_version"] == "https-b", what="the new model serving")
    assert predict(server, golden_row(0))[1]["fraud_probability"] == golden_row(0)["xgb_prob"]


def test_https_without_the_ca_bundle_is_refused_with_the_reason(start_server, https_folder):
    root, url, _ = https_folder
    write_model(root, DEFAULT_MODEL / "xgb_model.json", "https-a")
    server = start_server("--port", "0", "--model", url, "--poll-interval", "0.1")
    error = wait_until(lambda: models(server)["last_poll"]["error"], what="a failed poll")
    assert "unreachable" in error and "certificate" in error.lower()
