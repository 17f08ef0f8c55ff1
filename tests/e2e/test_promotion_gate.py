"""--gate-rows: before a new version replaces the serving one, both score labeled rows and a
one-sided paired bootstrap decides. A model trained on shuffled labels is refused; a retrained
equivalent is accepted; the same seed gives the same decision. The data and the models are made
here from the handbook simulator the fixtures come from (scripts/gate_data.py)."""
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, binary
from modelrepo import REFERENCE_XGB, http, metric, models, wait_until

sys.path.insert(0, str(REPO / "scripts"))
import gate_data  # noqa: E402  (models and labeled rows from the handbook data of the fixtures)

POLL = "0.2"
EVALUATION_ROWS = gate_data.EVALUATION_ROWS


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The reference recipe retrained a day later, the same recipe on shuffled labels, and 10,000
    labeled rows of the test days (scripts/gate_data.py)."""
    return gate_data.make(tmp_path_factory.mktemp("gate"))


def publish(repo, model, version_name, *args):
    done = subprocess.run([binary(), "publish", str(model), "--to", str(repo), "--model-version", version_name, *args],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def serve(start_server, repo, rows, seed="5"):
    return start_server("--port", "0", "--model", str(repo), "--poll-interval", POLL, "--gate-rows", str(rows),
                        "--gate-seed", seed)


def test_shuffled_labels_are_refused_a_retrained_model_is_accepted(start_server, tmp_path, trained):
    repo = tmp_path / "fraud"
    publish(repo, REFERENCE_XGB, "reference")
    server = serve(start_server, repo, trained["rows"])
    wait_until(lambda: (models(server)["current"] or {}).get("version") == 1, what="the reference serving")
    assert models(server)["gate"] is None  # the first version has nothing to be compared with

    publish(repo, trained["shuffled"], "shuffled")
    candidate = wait_until(lambda: (models(server)["candidate"] or {}).get("state") == "rejected"
                           and models(server)["candidate"], what="the shuffled model refused")
    assert candidate["reason"] == "evidence" and "worse than the serving reference" in candidate["error"]
    gate = refusal = models(server)["gate"]
    assert gate["decision"] == "refused" and gate["metric"] == "roc_auc"
    assert gate["serving_version"] == "reference" and gate["candidate_version"] == "shuffled"
    assert gate["rows"] == EVALUATION_ROWS and gate["positives"] > 100 and gate["resamples"] == 1000
    assert gate["serving"] > 0.8 and gate["candidate"] < 0.65, gate
    assert gate["delta_interval"][0] <= gate["delta_interval"][1] < 0
    assert models(server)["current"]["version"] == 1
    assert metric(server, "fraudscore_model_gate_decisions_total", '{decision="refused"}') == 1
    assert metric(server, "fraudscore_model_rejections_total", '{reason="evidence"}') == 1
    assert metric(server, "fraudscore_model_gate_score", '{metric="roc_auc",model="candidate"}') == gate["candidate"]
    assert any("model version rejected" in line and "evidence" in line and "candidate - serving in" in line
               for line in server.logs)

    publish(repo, trained["retrained"], "retrained")
    def judged():
        state = models(server)
        return state["current"]["version"] == 3 or (state["candidate"] or {}).get("version") == 3 \
            and state["candidate"]["state"] == "rejected"
    wait_until(judged, timeout=60, what="the retrained model judged")
    assert models(server)["current"]["version"] == 3, models(server)["candidate"]
    gate = models(server)["gate"]
    assert gate["decision"] == "accepted" and gate["candidate_version"] == "retrained", gate
    assert abs(gate["candidate"] - gate["serving"]) < 0.03 and gate["delta_interval"][1] >= 0, gate
    assert metric(server, "fraudscore_model_gate_decisions_total", '{decision="accepted"}') == 1
    assert http("GET", server.url + "/health")[1]["model"]["version"] == "retrained"
    assert any("model version serving" in line and "accepted" in line for line in server.logs)

    # The same rows, versions and seed on another replica: the same refusal, to the last digit.
    again_repo = tmp_path / "again"
    shutil.copytree(repo / "1", again_repo / "1")
    again = serve(start_server, again_repo, trained["rows"])
    wait_until(lambda: (models(again)["current"] or {}).get("version") == 1, what="the reference serving again")
    shutil.copytree(repo / "2", again_repo / "2")
    second = wait_until(lambda: models(again)["gate"], what="the second replica's gate decision")
    for key in ["decision", "serving", "candidate", "delta_interval", "rows", "positives", "seed"]:
        assert second[key] == refusal[key], key


def test_gate_settings_out_of_range_are_refused_with_the_fix(tmp_path):
    for args, message in [(["--gate-metric", "accuracy"], "--gate-metric must be roc_auc or average_precision"),
                          (["--gate-resamples", "10"], "--gate-resamples must be 100 to 100000"),
                          (["--gate-alpha", "0.9"], "--gate-alpha must be > 0 and <= 0.5"),
                          (["--gate-rows", str(tmp_path / "missing.jsonl")], "no such file")]:
        done = subprocess.run([binary(), "serve", *args], cwd=REPO, capture_output=True, text=True, timeout=30)
        assert done.returncode != 0 and message in done.stdout + done.stderr, (args, done.stderr)


def test_a_version_can_carry_its_own_labeled_rows(start_server, tmp_path, trained):
    """No --gate-rows on the server: the rows published in the version's manifest are used."""
    repo = tmp_path / "fraud"
    publish(repo, REFERENCE_XGB, "reference")
    server = start_server("--port", "0", "--model", str(repo), "--poll-interval", POLL)
    wait_until(lambda: (models(server)["current"] or {}).get("version") == 1, what="the reference serving")
    out = publish(repo, trained["shuffled"], "shuffled", "--evaluation", str(trained["rows"]))
    assert "evaluation=evaluation.jsonl" in out
    manifest = (repo / "2" / "manifest.json").read_text()
    assert '"evaluation":{"file":"evaluation.jsonl","label":"tx_fraud"}' in manifest.replace(" ", "")
    gate = wait_until(lambda: models(server)["gate"], what="the gate's decision on the version's own rows")
    assert gate["decision"] == "refused" and gate["rows"] == EVALUATION_ROWS
    assert models(server)["current"]["version"] == 1
