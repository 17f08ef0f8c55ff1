"""scripts/run-manifests.py, the manifest runner (the kubelet's stand-in; the package
scripts/manifest_runner/): red on the dev overlay's model-publish Job as it was before the fix
(`args` only; tests/deployables/old-model-publish) with an image whose ENTRYPOINT is
`fraudscore serve`, as it was then; green on the fixed Job (`command`) with that image and with the
current Dockerfile. Plus the Kubernetes rules it implements.

Not part of the e2e suite: the runner needs root (mount, network and PID namespaces), so CI runs
this file on its own, as root:

    .venv/bin/python -m pytest -q tests/deployables/test_run_manifests.py

As any other user the runs fail (they are never skipped) and say so. The binary is $FRAUDSCORE_BIN,
else the release build .build/release/fraudscore (`swift build -c release --static-swift-stdlib`);
the runner itself resolves that default.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from manifest_runner.dockerfile import parse_dockerfile  # noqa: E402
from manifest_runner.expand import effective_argv, expand  # noqa: E402
from manifest_runner.kube_objects import quantity, selector_matches  # noqa: E402

RUNNER = REPO / "scripts" / "run-manifests.py"
OLD_JOB = REPO / "tests" / "deployables" / "old-model-publish"
DEV = REPO / "k8s" / "overlays" / "dev"


def require_namespaces():
    if os.geteuid() != 0:
        pytest.fail("run as root: the manifest runner needs mount/net/pid namespaces", pytrace=False)
    if not shutil.which("unshare"):
        pytest.fail("unshare(1) (util-linux) is missing: the manifest runner needs it for its namespaces",
                    pytrace=False)


def run(target, dockerfile=None):
    require_namespaces()
    cmd = [sys.executable, str(RUNNER), "--timeout", "60"]   # the binary: $FRAUDSCORE_BIN, else the release build
    if dockerfile:
        cmd += ["--dockerfile", str(dockerfile)]
    done = subprocess.run([*cmd, str(target)], capture_output=True, text=True, timeout=600, cwd=REPO)
    summary = re.search(r"^manifests: (\d+) passed, (\d+) failed$", done.stdout, re.M)
    assert summary, f"no summary line:\n{done.stdout}\n{done.stderr}"
    return done, int(summary.group(1)), int(summary.group(2))


@pytest.fixture
def serve_entrypoint_dockerfile(tmp_path):
    """The Dockerfile with the image's former ENTRYPOINT ["/usr/local/bin/fraudscore", "serve"]
    and no CMD: the image the old Job was written against (the build context stays the repo)."""
    lines = []
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("ENTRYPOINT "):
            line = 'ENTRYPOINT ["/usr/local/bin/fraudscore", "serve"]'
        elif line.startswith("CMD "):
            continue
        lines.append(line)
    path = tmp_path / "Dockerfile.serve-entrypoint"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_old_job_fails_with_its_usage_error(serve_entrypoint_dockerfile):
    done, passed, failed = run(OLD_JOB, serve_entrypoint_dockerfile)
    out = done.stdout
    assert done.returncode == 1, out
    assert failed >= 2, out
    # The Job ran with exactly the argv Kubernetes gives it: ENTRYPOINT + args.
    assert re.search(r"^FAIL .*Job/model-publish container publish: exits 0 \(usage error: exit 64\)$", out, re.M), out
    assert "argv: /usr/local/bin/fraudscore serve publish /opt/fraudscore/models/default --to s3://models/fraud/" in out
    assert "Unknown option '--to'" in out
    # Nothing was published, so the Deployment never becomes ready, and says why.
    assert re.search(r"^FAIL .*Deployment/fraudscore container fraudscore: readinessProbe GET /health/ready", out, re.M), out
    assert "the repository s3://models/fraud/ is empty" in out
    assert re.search(r"^FAIL .*serves the version Job/model-publish publishes to s3://models/fraud/", out, re.M), out
    # The Deployment itself is fine: it started and answered its startup and liveness probes.
    assert re.search(r"^PASS .*Deployment/fraudscore container fraudscore: startupProbe", out, re.M), out


@pytest.mark.parametrize("image", ["current Dockerfile", "serve ENTRYPOINT"])
def test_fixed_job_publishes_and_dev_serves_it(image, serve_entrypoint_dockerfile):
    dockerfile = serve_entrypoint_dockerfile if image == "serve ENTRYPOINT" else None
    done, passed, failed = run(DEV, dockerfile)
    out = done.stdout
    assert done.returncode == 0 and failed == 0, out
    assert re.search(r"^PASS dev: Job/model-publish container publish: exits 0 .*"
                     r"\(/usr/local/bin/fraudscore publish /opt/fraudscore/models/default --to s3://models/fraud/",
                     out, re.M), out
    assert ("PASS dev: Deployment/fraudscore container fraudscore: serves version 1 (xgb-default-1.0.0) of "
            "s3://models/fraud/, published by Job/model-publish") in out
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert re.search(rf"^PASS dev: Deployment/fraudscore container fraudscore: {probe} ", out, re.M), out


def test_effective_argv_and_variable_expansion(tmp_path):
    # $(VAR) as Kubernetes expands it: defined names only, $$ escapes, anything else kept.
    env = {"A": "1", "EMPTY": ""}
    assert expand("$(A)-$$(A)-$(B)-$(EMPTY)-$A-$$-$(", env) == "1-$(A)-$(B)--$A-$-$("
    # command replaces ENTRYPOINT and drops CMD; args alone replace CMD only.
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM debian:bookworm-slim\nENV A=x \\\n    B="y z"\nWORKDIR /opt\nWORKDIR app\n'
                          'USER 10001:10001\nENTRYPOINT ["/bin/tool"]\nCMD ["serve"]\n')
    image = parse_dockerfile(dockerfile)
    assert (image.entrypoint, image.cmd, image.workdir, image.user) == (["/bin/tool"], ["serve"], "/opt/app", "10001:10001")
    assert image.env["A"] == "x" and image.env["B"] == "y z"
    assert effective_argv(image, None, None) == ["/bin/tool", "serve"]
    assert effective_argv(image, None, ["publish", "m"]) == ["/bin/tool", "publish", "m"]
    assert effective_argv(image, ["/bin/other"], None) == ["/bin/other"]
    assert effective_argv(image, ["/bin/tool", "publish"], ["m"]) == ["/bin/tool", "publish", "m"]
    assert effective_argv(image, None, []) == ["/bin/tool", "serve"]
    # Quantities and selectors.
    assert quantity("128Mi") == 128 * 2**20 and quantity("500m") == 0.5 and quantity("1G") == 1e9
    assert selector_matches({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]},
                            {"a": "1", "b": "2"})
    assert not selector_matches({"matchLabels": {"a": "1"}}, {"a": "2"})
