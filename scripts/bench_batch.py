#!/usr/bin/env python3
"""Batch against single requests: rows per second scoring 1000 transactions as one JSON-array
POST /predict, against the same 1000 transactions as 1000 POSTs one after another over one keep-alive
connection (the way a client without batching calls). The client writes pre-encoded requests to a raw
socket so its own overhead stays small. Checks that both ways give the same probabilities.

    python3 scripts/bench_batch.py [--binary .build/release/fraudscore] [--rows 1000] [--repeats 7]

Prints RESULT lines and the ratio; exits 1 if the batch is below --target (default 5) times faster.
"""
import argparse
import json
import os
import random
import socket
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
os.environ.setdefault("FRAUDSCORE_BIN", str(REPO / ".build" / "release" / "fraudscore"))

from conftest import Server  # noqa: E402


def request(body: bytes) -> bytes:
    return (b"POST /predict HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


class Connection:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def exchange(self, raw: bytes) -> bytes:
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 20)
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head[:200]
        length = int(next(l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")))
        while len(rest) < length:
            rest += self.sock.recv(1 << 20)
        self.buf = rest[length:]
        return rest[:length]


def rows(n):
    base = json.loads((REPO / "examples" / "sample_request.json").read_text())
    rng = random.Random(7)
    out = []
    for i in range(n):
        row = dict(base, transaction_id=base["transaction_id"] + i, tx_amount=round(rng.uniform(1, 250), 2),
                   customer_id_avg_amount_1day_window=round(rng.uniform(5, 150), 3),
                   terminal_id_risk_7day_window=rng.choice([0.0, 0.0, 0.1, 0.5]))
        out.append(row)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", help="fraudscore executable (default: .build/release/fraudscore)")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7, help="runs of each kind; the best counts")
    parser.add_argument("--target", type=float, default=5.0)
    args = parser.parse_args()
    if args.binary:
        os.environ["FRAUDSCORE_BIN"] = str(Path(args.binary).resolve())
    data = rows(args.rows)
    singles = [request(json.dumps(r).encode()) for r in data]
    batch = request(json.dumps(data).encode())
    server = Server(["--port", "0", "--threads", "1", "--max-batch-size", str(max(1000, args.rows))])
    try:
        conn = Connection(server.port)
        single_results = [json.loads(conn.exchange(raw)) for raw in singles]  # warm-up and reference
        batch_results = json.loads(conn.exchange(batch))
        assert len(batch_results) == args.rows
        for s, b in zip(single_results, batch_results):
            assert s == b, (s, b)
        single_best = batch_best = float("inf")
        for _ in range(args.repeats):
            started = time.perf_counter()
            for raw in singles:
                conn.exchange(raw)
            single_best = min(single_best, time.perf_counter() - started)
            started = time.perf_counter()
            conn.exchange(batch)
            batch_best = min(batch_best, time.perf_counter() - started)
    finally:
        server.stop()
    single_rate, batch_rate = args.rows / single_best, args.rows / batch_best
    print(f"RESULT single rows={args.rows} seconds={single_best:.4f} rows_per_s={single_rate:.0f}")
    print(f"RESULT batch rows={args.rows} seconds={batch_best:.4f} rows_per_s={batch_rate:.0f}")
    ratio = batch_rate / single_rate
    print(f"RATIO batch/single rows/s = {ratio:.1f} (target >= {args.target})")
    print("identical probabilities for all rows: yes")
    return 0 if ratio >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
