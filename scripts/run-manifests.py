#!/usr/bin/env python3
"""Manifest runner (the kubelet's stand-in): `.venv/bin/python scripts/run-manifests.py [options]
[KUSTOMIZATION-DIR ...]`. The runner is the package scripts/manifest_runner/: its docstring says
what it runs and checks, and `--help` its options."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from manifest_runner.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
