"""The command line: options, the checks that need no root, then the run inside the namespaces."""
import argparse
import os
import shutil
import sys

from . import ROOT
from . import __doc__ as PACKAGE_DOC
from .namespaces import enter_namespaces
from .runner import Runner


def find_kubectl(given):
    candidates = [given, os.environ.get("KUBECTL"), shutil.which("kubectl"),
                  os.path.expanduser(os.environ.get("DEPLOYABLES_VENV", "~/.cache/fraudscore/deployables-venv"))
                  + "/bin/kubectl"]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    sys.exit("run-manifests: no kubectl: set --kubectl or KUBECTL, or run scripts/check-deployables.sh once "
             "(it installs one)")


def main(argv, prog=None):
    parser = argparse.ArgumentParser(prog=prog, description=PACKAGE_DOC.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*",
                        help="kustomization directories (default: k8s/overlays/*, k8s/examples/*/)")
    parser.add_argument("--binary", default=os.environ.get("FRAUDSCORE_BIN") or str(ROOT / ".build/release/fraudscore"))
    parser.add_argument("--kubectl")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--logs")
    parser.add_argument("--dockerfile", default=str(ROOT / "Dockerfile"))
    args = parser.parse_args(argv)
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"run-manifests: {args.binary} is not an executable (build it, or pass --binary)")
    args.kubectl = find_kubectl(args.kubectl)
    enter_namespaces(argv)
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as e:
        sys.exit(f"run-manifests: {e}: run it with the test venv's Python (.venv/bin/python; scripts/test.sh makes it)")
    return Runner(args).run()
