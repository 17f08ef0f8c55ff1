"""HTTP/1.1 requests a server must refuse, each with the status it should answer before closing: a header section
over its limits (431), a request framed by both Content-Length and Transfer-Encoding, the classic request smuggling
(400, RFC 9112 6.1), and a header section trickled one line at a time (slowloris: 408 once the server's header
deadline passes -- within HOLD seconds only if that deadline is shorter, e.g. `serve --header-timeout-ms 2000`)."""
import re
import socket
import ssl
import time

from .watch import HOST

HOLD = 5.0     # seconds a probe waits for the server's answer and close
TRICKLE = 0.5  # seconds between the slowloris' header lines


def oversized_header(port, tls, path):
    return judge(431, exchange(port, tls, [head(path, ("X-Big", "a" * 20_000)) + b"\r\n"]))  # default limit: 16 KiB


def too_many_headers(port, tls, path):
    fields = [(f"X-H{i}", "v") for i in range(200)]  # default limit: 100 fields
    return judge(431, exchange(port, tls, [head(path, *fields) + b"\r\n"]))


def cl_te_smuggling(port, tls, path):
    # With both, a front end that reads Content-Length and a back end that reads chunked disagree on where the next
    # request starts: the GET in this body would be smuggled past the front end.
    body = b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n"
    request = head(path, ("Content-Length", len(body)), ("Transfer-Encoding", "chunked"), method="POST")
    return judge(400, exchange(port, tls, [request + b"\r\n" + body]))


def slowloris(port, tls, path):
    lines = [f"X-Slow-{i}: x\r\n".encode() for i in range(int(HOLD / TRICKLE) + 1)]  # the section never ends
    return judge(408, exchange(port, tls, [head(path)] + lines))


def head(path, *fields, method="GET"):
    """A request line and header fields, without the empty line that ends the section."""
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *(f"{n}: {v}" for n, v in fields)]
    return "".join(line + "\r\n" for line in lines).encode()


def connect(port, tls):
    sock = socket.create_connection((HOST, port), timeout=HOLD)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # a throwaway self-signed certificate
        ctx.set_alpn_protocols(["http/1.1"])
        sock = ctx.wrap_socket(sock, server_hostname="localhost")
    return sock


def exchange(port, tls, parts):
    """Sends `parts` TRICKLE seconds apart until the server answers, then reads until it closes or HOLD seconds
    from the start pass: (the answer's status or None, seconds until the close or None)."""
    t0 = time.monotonic()
    sock, answer, parts = connect(port, tls), b"", list(parts)
    try:
        while time.monotonic() - t0 < HOLD:
            if parts and not answer:
                try:
                    sock.sendall(parts.pop(0))
                except OSError:  # the server stopped reading; what it answered is still to be read
                    parts = []
            sock.settimeout(TRICKLE if parts and not answer else max(0.01, HOLD - (time.monotonic() - t0)))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:  # a reset, after the answer if there is one, is a close too
                chunk = b""
            if not chunk:
                return status(answer), time.monotonic() - t0
            answer += chunk
        return status(answer), None
    finally:
        sock.close()


def status(answer):
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", answer)
    return int(m.group(1)) if m else None


def judge(expected, outcome):
    got, closed_at = outcome
    closed = f"closed_at={closed_at:.2f}s" if closed_at is not None else f"not_closed (open after {HOLD:g}s)"
    return f"status={got or '-'} expected={expected} {closed}"
