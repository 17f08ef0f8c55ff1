#!/usr/bin/env python3
"""Hot swap under load: the same wrk run twice against fraudscore serving from a real S3 server
(moto, SigV4 checked), once with no new versions and once while a pipeline publishes a new version
every --publish-every seconds, alternating two models (A: the bundled default, B: the reference
XGBoost model). Each swap is a full poll, download, sha256 check, load and validation.

Reports requests, non-2xx and socket errors, which model_version answered, the number of swaps,
and p99 with swaps over p99 without. Exits 1 if any request failed or another version answered.

    python3 scripts/bench_swap.py [--binary .build/release/fraudscore] [--duration 30]
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
os.environ.setdefault("FRAUDSCORE_BIN", str(REPO / ".build" / "release" / "fraudscore"))

from conftest import FIXTURES, Server  # noqa: E402
from modelrepo import http, models, s3_env, wait_until  # noqa: E402
from s3server import start_s3_server  # noqa: E402

MODELS = {"A": REPO / "models" / "default" / "xgb_model.json", "B": FIXTURES / "models" / "xgb_model.json"}


def put_version(s3, bucket, version, tag):
    data = MODELS[tag].read_bytes()
    manifest = {"format_version": 1, "model_version": tag, "model_file": "xgb_model.json",
                "files": {"xgb_model.json": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}}}
    s3.put(f"fraud/{version}/xgb_model.json", data, bucket=bucket)
    s3.put(f"fraud/{version}/manifest.json", json.dumps(manifest).encode(), bucket=bucket)


def wrk(url, args, duration):
    env = {**os.environ, "BODY_FILE": str(REPO / "examples" / "sample_request.json"), "VERSION_A": "A", "VERSION_B": "B"}
    out = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{duration}s", "--latency",
                          "-s", str(REPO / "scripts" / "bench" / "swap.lua"), url + "/predict"],
                         capture_output=True, text=True, env=env, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    return {k: float(v) for k, v in re.findall(r"(\S+?)=([\d.]+)", line)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", help="fraudscore executable (default: .build/release/fraudscore)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--publish-every", type=float, default=0.4, help="seconds between published versions")
    parser.add_argument("--poll-interval", default="0.2")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if args.binary:
        os.environ["FRAUDSCORE_BIN"] = str(Path(args.binary).resolve())

    s3 = start_s3_server(None)
    bucket = s3.fresh_bucket("bench")
    put_version(s3, bucket, 1, "A")
    put_version(s3, bucket, 2, "B")
    server = Server(["--port", "0", "--threads", "2", "--model", f"s3://{bucket}/fraud/", "--s3-endpoint", s3.endpoint,
                     "--poll-interval", args.poll_interval], env=s3_env(s3))
    try:
        wait_until(lambda: (models(server)["current"] or {}).get("version") == 2, what="version 2 serving")
        wrk(server.url, args, 3)  # warm-up
        quiet = wrk(server.url, args, args.duration)
        swaps_before = models(server)["swaps"]

        stop = threading.Event()
        published = []

        def publisher():
            version = 3
            while not stop.wait(args.publish_every):
                put_version(s3, bucket, version, "A" if version % 2 else "B")
                published.append(version)
                version += 1

        thread = threading.Thread(target=publisher, daemon=True)
        thread.start()
        swapping = wrk(server.url, args, args.duration)
        stop.set()
        thread.join()
        state = models(server)
        swaps = state["swaps"] - swaps_before
        rejected = state["candidate"]
    finally:
        server.stop()
        s3.stop()

    ratio = swapping["p99_ms"] / quiet["p99_ms"]
    for name, r in [("without swaps", quiet), ("with swaps", swapping)]:
        print(f"{name:>14}: {int(r['requests'])} requests, {r['req/s']:.0f} req/s, p50 {r['p50_ms']:.3f} ms, "
              f"p99 {r['p99_ms']:.3f} ms, max {r['max_ms']:.3f} ms, non-2xx {int(r['non2xx'])}, "
              f"socket errors {int(r['sockerr'])}, model_version A {int(r['a'])} / B {int(r['b'])} / other {int(r['other'])}")
    print(f"swaps during the run: {swaps} ({len(published)} versions published, every {args.publish_every} s)")
    print(f"p99 with swaps / p99 without: {ratio:.2f} (target <= 1.5)")
    failed = swapping["non2xx"] + swapping["sockerr"] + swapping["other"] + quiet["non2xx"] + quiet["sockerr"]
    if failed or rejected:
        print(f"FAIL: {int(failed)} failed or foreign responses; candidate state {rejected}")
        return 1
    if swaps < 50:
        print(f"FAIL: only {swaps} swaps (want >= 50); lower --publish-every")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
