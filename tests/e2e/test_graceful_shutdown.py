"""SIGTERM under load: every request the server accepted is answered in full, none is reset,
and the process exits 0 within the drain timeout."""
import signal
import socket
import threading
import time

from conftest import REPO

BODY = (REPO / "examples/sample_request.json").read_bytes()
REQUEST = (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
           b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.ok = self.bad_status = self.resets = self.partial = self.unanswered = self.refused = 0
        self.warm = threading.Event()

    def add(self, **kw):
        with self.lock:
            for k, v in kw.items():
                setattr(self, k, getattr(self, k) + v)
            if self.ok >= 2000:
                self.warm.set()


def read_response(sock, buf):
    """Returns (status, close, rest) or raises EOFError(partial: bool)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(bool(buf))
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(b":") for l in lines[1:])}
    length = int(headers.get(b"content-length", b"0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(True)
        rest += chunk
    return status, headers.get(b"connection") == b"close", rest[length:]


def client(port, stats, stop):
    for _ in range(200):  # reconnects, bounded
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        except ConnectionRefusedError:
            stats.add(refused=1)
            return
        with sock:
            buf = b""
            while not stop.is_set():
                try:
                    sock.sendall(REQUEST)
                except (BrokenPipeError, ConnectionResetError):
                    break  # nothing was delivered: the server had closed before this request
                try:
                    status, close, buf = read_response(sock, buf)
                except ConnectionResetError:
                    stats.add(resets=1)
                    break
                except EOFError as e:
                    stats.add(partial=1) if e.args[0] else stats.add(unanswered=1)
                    break
                stats.add(ok=1) if status == 200 else stats.add(bad_status=1)
                if close:
                    break
        if stop.is_set():
            return


def test_sigterm_under_load_answers_every_accepted_request(start_server):
    server = start_server("--port", "0", "--threads", "2", "--drain-timeout-ms", "5000")
    stats, stop = Stats(), threading.Event()
    threads = [threading.Thread(target=client, args=(server.port, stats, stop)) for _ in range(16)]
    for t in threads:
        t.start()
    assert stats.warm.wait(60), "load never reached 2000 requests"
    started = time.monotonic()
    code = server.stop()
    elapsed = time.monotonic() - started
    stop.set()
    for t in threads:
        t.join(30)
    print(vars(stats))
    assert code == 0
    assert elapsed < 5 + 2
    assert stats.resets == 0
    assert stats.partial == 0
    assert stats.bad_status == 0
    assert stats.unanswered == 0
    assert stats.refused > 0, "clients should find the listener closed after the drain"
    assert any('"msg":"draining"' in l for l in server.logs)


def test_readiness_flips_first_then_requests_are_still_served_until_the_drain(start_server):
    """The Kubernetes sequence: SIGTERM -> /health/ready 503 at once, /predict still answered during the
    pre-stop delay, then the listener closes and the process exits 0."""
    import urllib.error
    import urllib.request
    server = start_server("--port", "0", "--pre-stop-delay-ms", "1500")
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    server.proc.send_signal(signal.SIGTERM)

    def ready_status():
        try:
            with urllib.request.urlopen(server.url + "/health/ready", timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    deadline = time.monotonic() + 5
    while ready_status() != 503:   # polls a condition, bounded
        assert time.monotonic() < deadline, "readiness never turned 503"
    # Still serving: a new connection and an existing one both get answers.
    req = urllib.request.Request(server.url + "/predict", data=BODY, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200
    conn.sendall(REQUEST)
    status, close, _ = read_response(conn, b"")
    assert status == 200
    assert server.proc.wait(timeout=15) == 0
    logs = "".join(server.logs)
    assert logs.index('"msg":"shutting down"') < logs.index('"msg":"draining"') < logs.index('"msg":"stopped"')
