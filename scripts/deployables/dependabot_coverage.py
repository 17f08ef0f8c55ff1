"""dependabot_coverage.py DEPENDABOT-YML: Dependabot watches every manifest the project has.

The workflows' actions, each Package.swift, each folder holding a pip requirements file, each
Dockerfile and compose file; every folder the configuration names exists.
"""
import glob
import os
import subprocess
import sys

import yaml

from report import Problems

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def watched_folders(config, problems):
    """{ecosystem: {folder}} that the configuration watches."""
    watched = {}
    for u in config.get("updates", []):
        for d in u.get("directories") or [u.get("directory")]:
            if not os.path.isdir("." + d if d.startswith("/") else d):
                problems.add(f"{u['package-ecosystem']}: folder {d} does not exist")
            watched.setdefault(u["package-ecosystem"], set()).add(d.rstrip("/") or "/")
    return watched


def project_files():
    try:
        return subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                              capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return [f for f in glob.glob("**/*", recursive=True) if ".venv" not in f and ".build" not in f]


def ecosystem_of(f):
    base = os.path.basename(f)
    if f.startswith(".github/workflows/") and f.endswith((".yml", ".yaml")):
        return "github-actions"
    if base == "Package.swift":
        return "swift"
    if base.startswith("requirements") and base.endswith(".txt") and not f.startswith("tests/deployables/"):
        return "pip"
    if base == "Dockerfile":
        return "docker"
    if base in COMPOSE_FILES:
        return "docker-compose"
    return None


def needed_folders(files):
    """{ecosystem: {folder}} that the project's manifests need watched."""
    need = {}
    for f in files:
        ecosystem = ecosystem_of(f)
        if ecosystem == "github-actions":
            need.setdefault(ecosystem, set()).add("/")
        elif ecosystem:
            need.setdefault(ecosystem, set()).add("/" + os.path.dirname(f) if os.path.dirname(f) else "/")
    return need


def main(path):
    problems = Problems()
    watched = watched_folders(yaml.safe_load(open(path)), problems)
    for ecosystem, folders in sorted(needed_folders(project_files()).items()):
        for d in sorted(folders):
            problems.need(d in watched.get(ecosystem, set()), f"{ecosystem}: {d} is not watched")
    problems.exit_if_any()
    print("; ".join(f"{e}: {', '.join(sorted(d))}" for e, d in sorted(watched.items())))


if __name__ == "__main__":
    main(sys.argv[1])
