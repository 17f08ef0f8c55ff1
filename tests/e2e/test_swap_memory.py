"""200 swaps between two models (each one a fresh download, verification, load and validation)
do not grow the process: the old model is freed when nothing uses it any more."""
import json
import os

from modelrepo import DEFAULT_MODEL, REFERENCE_XGB, manifest_for, models, serving_version, wait_until

SWAPS = 200


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])


def write_version(root, version, name, model_bytes, model_version):
    folder = root / str(version)
    folder.mkdir()
    (folder / name).write_bytes(model_bytes)
    tmp = folder / ".manifest.json"
    tmp.write_bytes(manifest_for({name: model_bytes}, name, model_version=model_version))
    os.rename(tmp, folder / "manifest.json")  # last and atomic, as `fraudscore publish` does


def test_rss_after_200_swaps_is_within_10_percent_of_after_the_first(start_server, tmp_path):
    root = tmp_path / "fraud"
    root.mkdir()
    models_ab = [("xgb_model.json", (DEFAULT_MODEL / "xgb_model.json").read_bytes(), "A"),
                 ("xgb_model.json", REFERENCE_XGB.read_bytes(), "B")]
    write_version(root, 1, *models_ab[0])
    server = start_server("--port", "0", "--model", str(root), "--poll-interval", "0.05")
    assert serving_version(server) == 1
    first = None
    for version in range(2, SWAPS + 2):
        write_version(root, version, *models_ab[version % 2])
        wait_until(lambda: serving_version(server) == version, what=f"version {version} serving")
        if version == 2:
            first = rss_kib(server.proc.pid)
    last = rss_kib(server.proc.pid)
    state = models(server)
    assert state["swaps"] == SWAPS + 1 and state["current"]["model_version"] == models_ab[(SWAPS + 1) % 2][2]
    print(f"RSS after the first swap: {first} KiB; after {SWAPS} swaps: {last} KiB ({last / first:.3f}x)")
    assert last <= first * 1.10, (first, last)
