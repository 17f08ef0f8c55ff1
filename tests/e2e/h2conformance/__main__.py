"""The command line: python3 -m h2conformance --port P [--tls] [--json] [--only PREFIX] (see the package's doc)."""
import argparse
import json
import os
import sys

if not __package__:  # run as a folder (python3 tests/e2e/h2conformance): import the package from its parent
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import h2conformance  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(prog="h2conformance", description=h2conformance.__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--path", default="/health/live")
    ap.add_argument("--timeout", type=float, default=2.0, help="seconds per expectation")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", help="run only the cases whose id starts with this (e.g. http2/6.5)")
    a = ap.parse_args(argv)
    results = h2conformance.run(a.host, a.port, tls=a.tls, path=a.path, timeout=a.timeout, only=a.only)
    if a.json:
        print(json.dumps({k: {"passed": v["passed"], "detail": v["detail"]} for k, v in results.items()}, indent=1))
    else:
        for cid, r in results.items():
            if r["passed"]:
                print(f"PASS {cid} {r['description']}" + (f" ({r['detail']})" if r["detail"].startswith("skipped")
                                                          else ""))
            else:
                print(f"FAIL {cid} {r['description']} -- {r['detail']}")
        passed = sum(r["passed"] for r in results.values())
        print(f"SUMMARY passed={passed} failed={len(results) - passed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
