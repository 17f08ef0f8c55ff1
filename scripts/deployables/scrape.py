"""scrape.py BINARY OUT: the release binary serving, driven, and its /metrics saved to OUT.

The server runs with TLS and a plain probe port; the requests create the series the rules and the
dashboard use: a 200 and a 422 on /predict, a TLS handshake failure, a 503 from readiness while
draining after SIGTERM. The server must then exit 0.
"""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

# Series the requests below must have created.
EXPECTED = ['fraudscore_predict_rejected_total{status="422"} 1',
            'fraudscore_tls_handshake_failures_total{reason="error"} 1',
            'route="/health/ready",method="GET",status="503"']


class Server:
    """The release binary serving the bundled model on ephemeral ports, logging to a file."""

    def __init__(self, binary, tmp):
        self.cert, key = f"{tmp}/tls.crt", f"{tmp}/tls.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", self.cert, "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FRAUDSCORE_", "AWS_"))}
        self.log = open(f"{tmp}/server.log", "w+")
        self.process = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--probe-port", "0",
             "--tls-cert", self.cert, "--tls-key", key, "--model", "models/default",
             "--threads", "1", "--pre-stop-delay-ms", "3000"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.port = self.probe = None
        self.context = ssl.create_default_context(cafile=self.cert)
        self.context.check_hostname = False

    def fail(self, msg):
        if self.process.poll() is None:
            self.process.kill()
        self.log.seek(0)
        sys.exit(f"{msg}\nserver log:\n{self.log.read()[-3000:]}")

    def await_listening(self, seconds=30):
        """Reads the TLS and probe ports from the server's `listening` log line."""
        listening, deadline = None, time.time() + seconds
        while listening is None and time.time() < deadline and self.process.poll() is None:
            self.log.seek(0)
            for line in self.log:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == "listening":
                    listening = entry
            time.sleep(0.1)
        if listening is None:
            self.fail("the server did not log its listening line")
        self.port = int(listening["address"].rsplit(":", 1)[1])
        self.probe = int(listening["probe_address"].rsplit(":", 1)[1])

    def request(self, method, path, body=None, tls=True, expect=200):
        conn = (http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=10) if tls
                else http.client.HTTPConnection("127.0.0.1", self.probe, timeout=10))
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        if response.status != expect:
            self.fail(f"{method} {path}: status {response.status}, want {expect}: {data[:200]!r}")
        return data

    def failed_handshake(self):
        """Plain HTTP to the TLS port: a failed handshake (reason "error")."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                s.recv(4096)
            except OSError:
                pass


def drive(server):
    """The requests, then SIGTERM; returns the /metrics text scraped while draining."""
    server.request("POST", "/predict", open("examples/sample_request.json", "rb").read())  # scored: 200
    server.request("POST", "/predict", b'{"transaction_id": 1}', expect=422)  # refused before scoring
    server.request("GET", "/health")
    server.request("GET", "/health/ready", tls=False)
    server.failed_handshake()
    # SIGTERM: readiness answers 503 during the pre-stop delay while /metrics is still served.
    server.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    server.request("GET", "/health/ready", tls=False, expect=503)
    metrics = server.request("GET", "/metrics", tls=False).decode()
    try:
        code = server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.fail("the server did not exit within 30 s of SIGTERM")
    if code != 0:
        server.fail(f"the server exited with status {code} after SIGTERM")
    return metrics


def main(binary, out):
    server = Server(binary, tempfile.mkdtemp())
    server.await_listening()
    metrics = drive(server)
    open(out, "w").write(metrics)
    missing = [w for w in EXPECTED if w not in metrics]
    if missing:
        server.fail(f"the scrape lacks the series the requests should have made: {missing}")
    names = {line.split("{")[0].split(" ")[0] for line in metrics.splitlines() if line and not line.startswith("#")}
    print(f"scraped {len(metrics.splitlines())} lines, {len(names)} series names from {binary} "
          f"(TLS port {server.port}, probe port {server.probe}); exit 0 after SIGTERM")


if __name__ == "__main__":
    main(*sys.argv[1:3])
