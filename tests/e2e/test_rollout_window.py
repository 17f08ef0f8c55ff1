"""--rollout-window: two replicas with different names take up a new version at different times,
each its own hash-fixed delay after it first saw the version, shown in /models while it waits."""
import time

from modelrepo import DEFAULT_MODEL, REFERENCE_XGB, http, models, wait_until
from conftest import REPO, binary
import subprocess

WINDOW_MS = 8000
POLL = 0.2


def fnv1a(text):
    """FNV-1a, 64 bits: the hash fraudscore places a replica in the window with."""
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def publish_local(repo, model, *args):
    done = subprocess.run([binary(), "publish", str(model), "--to", str(repo), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_two_replicas_switch_at_their_own_predictable_times(start_server, tmp_path):
    repo = tmp_path / "fraud"
    publish_local(repo, DEFAULT_MODEL)
    names = ["fraudscore-7d9f-a", "fraudscore-7d9f-b"]
    delays = [fnv1a(n) % WINDOW_MS for n in names]
    assert delays == [2150, 5939]
    replicas = [start_server("--port", "0", "--model", str(repo), "--poll-interval", str(POLL),
                             "--rollout-window", str(WINDOW_MS / 1000), env={"POD_NAME": n}) for n in names]
    for r, d in zip(replicas, delays):
        wait_until(lambda: (models(r)["current"] or {}).get("version") == 1, what="version 1 serving (no delay)")
        assert models(r)["rollout"] == {"delay_ms": d, "pending": None}

    publish_local(repo, REFERENCE_XGB, "--model-version", "v2")
    published = time.monotonic()
    switched = [None, None]
    seen_pending = [None, None]
    while None in switched and time.monotonic() - published < 20:
        for i, r in enumerate(replicas):
            if switched[i] is not None:
                continue
            state = models(r)
            if state["current"]["version"] == 2:
                switched[i] = time.monotonic() - published
            elif state["rollout"]["pending"] and seen_pending[i] is None:
                seen_pending[i] = state["rollout"]["pending"]
        time.sleep(0.05)
    assert None not in switched, switched
    for i, d in enumerate(delays):
        # Found within a poll of publishing, then served its own delay later (plus load time).
        assert d / 1000 <= switched[i] <= d / 1000 + POLL + 1.5, (names[i], switched[i], d)
        assert seen_pending[i]["version"] == 2 and 0 < seen_pending[i]["in_ms"] <= d, seen_pending[i]
    assert switched[1] - switched[0] > 2.5, switched
    for r in replicas:
        assert models(r)["rollout"]["pending"] is None
        assert http("GET", r.url + "/health")[1]["model"]["version"] == "v2"


def test_rollout_window_out_of_range_is_refused(tmp_path):
    done = subprocess.run([binary(), "serve", "--rollout-window=100000"], cwd=REPO, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode != 0 and "--rollout-window must be 0 to 86400 s" in done.stdout + done.stderr
