#!/usr/bin/env python3
"""Soak: hours of mixed HTTP/1.1, h2c and TLS load on two fraudscore servers following one S3 model
repository, with a new model version published every --swap-every seconds, the storage cut off
(connections refused) for --fault-seconds every --fault-every seconds, and the TLS certificate
replaced every --rotate-every seconds. Fails on any request that is not a 2xx, on a version that is
not taken up, a fault that is not noticed, a certificate that is not reloaded, or resident memory or
open descriptors that are not flat within --flat (default 5%) after the warm-up.

    .venv/bin/python scripts/soak.py --minutes 60 --plot docs/soak.png     # the hour in docs/benchmarks.md
    .venv/bin/python scripts/soak.py --minutes 3 --swap-every 30 --fault-every 30 --rotate-every 60
                                                                            # the short form CI runs

The servers: P on a plain port (HTTP/1.1 and h2c) and T with --tls-cert (TLS 1.3, ALPN h2 and
http/1.1), each with one event-loop thread, both polling s3://…/fraud/ on moto's S3 server (SigV4
checked) through a TCP proxy that can refuse connections. The load: four h2load runs per cycle
(one cycle per --swap-every), each at --rps requests a second per connection, POSTing
examples/sample_request.json to /predict: HTTP/1.1 and h2c on P, HTTP/1.1 and h2 over TLS on T.
Each cycle opens new connections, so every certificate meets new handshakes. The resident set
(VmRSS) and the open descriptors of both servers are sampled mid-cycle, when every client is
connected, and every few seconds for the plot.

Prints one RESULT line per cycle and a SUMMARY; --report writes every figure as JSON.
"""
import argparse
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "scripts"))
os.environ.setdefault("FRAUDSCORE_BIN", str(REPO / ".build" / "release" / "fraudscore"))

from conftest import Server  # noqa: E402
from modelrepo import http, s3_env, wait_until  # noqa: E402
from s3server import start_s3_server  # noqa: E402
from test_tls import install, make_cert  # noqa: E402
from bench_swap import put_version  # noqa: E402  (scripts/: version A or B into the repository)

BODY = REPO / "examples" / "sample_request.json"


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def h2load(url, args, seconds, *extra):
    """An h2load run in the background; `result()` parses its counts."""
    cmd = ["h2load", "-c", str(args.clients), "-m", "4", "--rps", str(args.rps), "-D", str(seconds),
           "-d", str(BODY), "-H", "Content-Type: application/json", *extra, url + "/predict"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def counts(proc, what):
    out = proc.communicate(timeout=120)[0]
    m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, "
                  r"(\d+) timeout", out)
    s = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if not m or not s or proc.returncode != 0:
        raise RuntimeError(f"h2load {what} exited {proc.returncode}:\n{out[-2000:]}")
    done, succeeded, failed, errored, timeout = (int(m.group(i)) for i in (3, 4, 5, 6, 7))
    ok = int(s.group(1))
    return {"done": done, "2xx": ok, "failed": failed + errored + timeout + (done - ok)}


def served_certificate(port):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, context.wrap_socket(raw) as tls:
        return ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))


def flatness(values):
    """(max - min) / min of the samples."""
    return (max(values) - min(values)) / min(values) if values else 0.0


def plot(samples, marks, path, minutes):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    for name, color in (("P", "tab:blue"), ("T", "tab:orange")):
        label = {"P": "plain (HTTP/1.1 + h2c)", "T": "TLS (HTTP/1.1 + h2)"}[name]
        t = [s["t"] / 60 for s in samples if s["server"] == name]
        top.plot(t, [s["rss_kb"] / 1024 for s in samples if s["server"] == name], color=color, lw=0.8, label=label)
        bottom.plot(t, [s["fds"] for s in samples if s["server"] == name], color=color, lw=0.8, label=label)
        mid = [s for s in samples if s["server"] == name and s["mid_cycle"]]
        top.plot([s["t"] / 60 for s in mid], [s["rss_kb"] / 1024 for s in mid], "o", color=color, ms=2)
        bottom.plot([s["t"] / 60 for s in mid], [s["fds"] for s in mid], "o", color=color, ms=2)
    for kind, style in (("rotation", "tab:green"), ("fault", "tab:red")):
        for i, t in enumerate(m["t"] / 60 for m in marks if m["kind"] == kind):
            for ax in (top, bottom):
                ax.axvline(t, color=style, lw=0.4, alpha=0.5, label=(f"{kind}" if i == 0 and ax is top else None))
    top.set_ylabel("resident set (MiB)")
    bottom.set_ylabel("open descriptors\n(dots: mid-cycle, judged)")
    bottom.set_xlabel("minutes")
    top.set_ylim(bottom=0)
    bottom.set_ylim(bottom=0)
    top.legend(loc="lower right", fontsize=8)
    top.set_title(f"fraudscore soak: {minutes} min of mixed load, a version swap and a storage fault a minute, "
                  f"certificate rotations", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="fraudscore executable (default: .build/release/fraudscore)")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--swap-every", type=float, default=60, help="seconds per cycle: one new version each")
    ap.add_argument("--fault-every", type=float, default=60, help="seconds between storage faults")
    ap.add_argument("--fault-seconds", type=float, default=10, help="how long the storage refuses connections")
    ap.add_argument("--rotate-every", type=float, default=600, help="seconds between certificate rotations")
    ap.add_argument("--warm-up", type=float, default=None, help="seconds not judged for flatness (default: 1/6 of the run)")
    ap.add_argument("--clients", type=int, default=8, help="connections per h2load client")
    ap.add_argument("--rps", type=int, default=100, help="requests per second per connection")
    ap.add_argument("--flat", type=float, default=0.05, help="largest (max - min) / min of RSS and descriptors after warm-up")
    ap.add_argument("--plot", type=Path, help="write the RSS and descriptor plot here (PNG)")
    ap.add_argument("--report", type=Path, help="write every figure here (JSON)")
    args = ap.parse_args()
    if args.binary:
        os.environ["FRAUDSCORE_BIN"] = str(Path(args.binary).resolve())
    total = args.minutes * 60
    warm_up = args.warm_up if args.warm_up is not None else total / 6
    cycles = max(1, int(total // args.swap_every))

    def every(seconds):
        """Cycles between two events that come every `seconds`."""
        return max(1, round(seconds / args.swap_every))

    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"fraudscore-soak-{os.getpid()}"
    workdir.mkdir(parents=True)
    s3 = start_s3_server(None)
    proxy = s3.proxy()
    bucket = s3.fresh_bucket("soak")
    put_version(s3, bucket, 1, "A")
    tls = {"cert": workdir / "tls.crt", "key": workdir / "tls.key"}
    install(*make_cert(workdir, "cert-0"), tls["cert"], tls["key"])
    common = ["--port", "0", "--threads", "1", "--model", f"s3://{bucket}/fraud/", "--s3-endpoint", proxy.endpoint,
              "--poll-interval", "1", "--max-backoff", "2"]
    env = s3_env(s3)
    servers = {"P": Server(common, env=env),
               "T": Server(common + ["--tls-cert", str(tls["cert"]), "--tls-key", str(tls["key"]), "--probe-port", "0"],
                           env=env)}
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE

    def state(name):  # /models: on T's TLS port (its probe port serves health and metrics only)
        if name == "P":
            return http("GET", servers["P"].url + "/models")[1]
        with urllib.request.urlopen(f"https://127.0.0.1:{servers['T'].port}/models", timeout=10, context=insecure) as r:
            return json.loads(r.read())

    samples, marks, results = [], [], []
    stop = threading.Event()
    start = time.monotonic()

    def sample(mid_cycle):
        for name, server in servers.items():
            samples.append({"t": time.monotonic() - start, "server": name, "rss_kb": rss_kb(server.proc.pid),
                            "fds": open_fds(server.proc.pid), "mid_cycle": mid_cycle})

    def sampler():
        while not stop.wait(5):
            sample(False)

    failures = []
    try:
        for name in servers:
            wait_until(lambda: (state(name)["current"] or {}).get("version") == 1, 30, f"{name} serving version 1")
        threading.Thread(target=sampler, daemon=True).start()
        rotation = 0
        for cycle in range(cycles):
            t0 = start + cycle * args.swap_every
            at = lambda s: max(0.0, t0 + s - time.monotonic())  # noqa: E731  (sleep until s into the cycle)
            run = int(args.swap_every - 3)
            loads = {"P h1": h2load(servers["P"].url, args, run, "--h1"),
                     "P h2c": h2load(servers["P"].url, args, run),
                     "T h1 tls": h2load(f"https://127.0.0.1:{servers['T'].port}", args, run, "--h1"),
                     "T h2 tls": h2load(f"https://127.0.0.1:{servers['T'].port}", args, run)}
            # A new version: both servers take it up.
            time.sleep(at(5))
            version = cycle + 2
            put_version(s3, bucket, version, "B" if version % 2 == 0 else "A")
            for name in servers:
                wait_until(lambda: (state(name)["current"] or {}).get("version") == version, 20,
                           f"{name} serving version {version}")
            # A new certificate: new handshakes on T get it.
            if (cycle + 1) % every(args.rotate_every) == 0:
                rotation += 1
                new = make_cert(workdir, f"cert-{rotation}")
                install(*new, tls["cert"], tls["key"])
                pem = new[0].read_text()
                wait_until(lambda: served_certificate(servers["T"].port).strip() == pem.strip(), 20,
                           f"T serving certificate {rotation}")
                marks.append({"t": time.monotonic() - start, "kind": "rotation"})
            # Mid-cycle, every client connected: the samples judged for flatness.
            time.sleep(at(args.swap_every / 2 - 5))
            sample(True)
            # The storage refuses connections; both servers notice, keep serving, and recover.
            if cycle % every(args.fault_every) == 0:
                time.sleep(at(args.swap_every / 2))
                proxy.pause()
                marks.append({"t": time.monotonic() - start, "kind": "fault"})
                for name in servers:
                    wait_until(lambda: state(name)["last_poll"]["ok"] is False, args.fault_seconds + 10,
                               f"{name} noticing the storage fault")
                time.sleep(at(args.swap_every / 2 + args.fault_seconds))
                proxy.resume()
                for name in servers:
                    wait_until(lambda: state(name)["last_poll"]["ok"] is True, 20, f"{name} polling again")
            cycle_result = {"cycle": cycle, "version": version}
            for what, proc in loads.items():
                cycle_result[what] = counts(proc, what)
            results.append(cycle_result)
            print("RESULT cycle=%d version=%d " % (cycle, version)
                  + " ".join(f"{w.replace(' ', '_')}={r['2xx']}/{r['done']}" for w, r in cycle_result.items()
                             if isinstance(r, dict)), flush=True)
    finally:
        stop.set()
        for server in servers.values():
            server.stop()
        proxy.close()
        s3.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    requests = sum(r[w]["done"] for r in results for w in r if isinstance(r[w], dict))
    failed = sum(r[w]["failed"] for r in results for w in r if isinstance(r[w], dict))
    judged = {name: [s for s in samples if s["mid_cycle"] and s["server"] == name and s["t"] >= warm_up]
              for name in servers}
    summary = {"minutes": args.minutes, "cycles": len(results), "requests": requests, "failed": failed,
               "versions_published": len(results), "faults": sum(m["kind"] == "fault" for m in marks),
               "rotations": sum(m["kind"] == "rotation" for m in marks), "warm_up_s": warm_up}
    for name, judged_samples in judged.items():
        rss = [s["rss_kb"] for s in judged_samples]
        fds = [s["fds"] for s in judged_samples]
        summary[name] = {"rss_kb_min": min(rss, default=0), "rss_kb_max": max(rss, default=0),
                         "rss_flatness": flatness(rss), "fds_min": min(fds, default=0), "fds_max": max(fds, default=0),
                         "fds_flatness": flatness(fds), "judged_samples": len(rss)}
        if flatness(rss) > args.flat:
            failures.append(f"{name}: resident set moved {flatness(rss):.1%} after warm-up (limit {args.flat:.0%})")
        if flatness(fds) > args.flat:
            failures.append(f"{name}: open descriptors moved {flatness(fds):.1%} after warm-up (limit {args.flat:.0%})")
        if len(rss) < 2:
            failures.append(f"{name}: fewer than two samples after the warm-up; run longer")
    if failed:
        failures.append(f"{failed} of {requests} requests failed")
    print("SUMMARY " + json.dumps(summary), flush=True)
    if args.report:
        args.report.write_text(json.dumps({"summary": summary, "cycles": results, "samples": samples, "marks": marks},
                                          indent=1) + "\n")
    if args.plot:
        plot(samples, marks, args.plot, args.minutes)
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
