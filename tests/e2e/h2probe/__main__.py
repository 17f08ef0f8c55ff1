"""The command line: python3 -m h2probe --port P [--tls] [--path /health/live] NAME... (see the package's doc)."""
import argparse
import os
import sys

if not __package__:  # run as a folder (python3 tests/e2e/h2probe): import the packages from its parent
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import h2probe  # noqa: E402

GROUPS = {"h2-all": list(h2probe.H2_PROBES), "h1-all": list(h2probe.H1_PROBES)}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="h2probe", description=h2probe.__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True, help="a port on 127.0.0.1 (the only host probed)")
    ap.add_argument("--tls", action="store_true", help="TLS with ALPN h2 (http/1.1 for h1 probes), not verified")
    ap.add_argument("--path", default="/health/live", help="the request target of the probes' requests")
    ap.add_argument("names", nargs="+", metavar="NAME",
                    help=" ".join([*GROUPS, *h2probe.H2_PROBES, *h2probe.H1_PROBES]))
    a = ap.parse_args(argv)
    names = [n for name in a.names for n in GROUPS.get(name, [name])]
    unknown = [n for n in names if n not in h2probe.H2_PROBES and n not in h2probe.H1_PROBES]
    if unknown:
        ap.error(f"unknown probe(s): {' '.join(unknown)}")
    failed = False
    for name in names:
        line = h2probe.run(name, a.port, tls=a.tls, path=a.path)
        print(line, flush=True)
        failed |= ": harness error " in line
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
