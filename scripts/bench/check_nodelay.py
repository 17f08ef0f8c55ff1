"""Checks that a keep-alive HTTP/1.1 server does not stall on Nagle + delayed ACK.

A server that writes a response in two segments (headers, then body) on a socket without
TCP_NODELAY holds the second write until the client ACKs the first, and Linux clients delay
that ACK by up to 40 ms: every request after the first on a connection then takes ~40 ms.
This sends sequential POSTs on one connection and fails if the median is over 20 ms.

    python3 scripts/bench/check_nodelay.py [URL] [BODY_FILE]
    (defaults: http://127.0.0.1:18190/predict, examples/sample_request.json)
Standard library only.
"""
import http.client
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

url = urlsplit(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18190/predict")
body_file = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).resolve().parents[2] / "examples" / "sample_request.json"
body = body_file.read_bytes()

conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=5)
times_ms = []
for _ in range(50):
    start = time.perf_counter()
    conn.request("POST", url.path or "/", body=body, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    times_ms.append((time.perf_counter() - start) * 1000)
    if resp.status != 200:
        sys.exit(f"HTTP {resp.status} from {url.geturl()}")
conn.close()

median = statistics.median(times_ms[1:])
print(f"{url.geturl()}: {len(times_ms)} sequential requests on one connection, "
      f"median {median:.2f} ms, max {max(times_ms):.2f} ms")
if median > 20:
    sys.exit("median over 20 ms: responses wait for delayed ACKs (TCP_NODELAY not set on accepted sockets)")
