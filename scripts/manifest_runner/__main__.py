"""`python3 -m manifest_runner [options] [KUSTOMIZATION-DIR ...]`, run from scripts/ (the package's
docstring says what it runs and checks)."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], prog="python3 -m manifest_runner"))
