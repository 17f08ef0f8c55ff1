"""The 2,000 golden rows replayed over HTTP give each library's own probabilities."""
import subprocess
import sys

import pytest

from conftest import SHARED


@pytest.mark.parametrize("model_file, key", [
    ("xgb_model.json", "xgb_prob"),
    ("xgb_model.ubj", "xgb_prob"),
    ("lgbm_model.txt", "lgbm_prob"),
])
def test_reference_model_replays_exactly(start_server, model_file, key):
    model = SHARED / "reference/models" / model_file
    if not model.exists():
        pytest.skip("../shared is not checked out beside the repository")
    server = start_server("--port", "0", "--model", str(model))
    out = subprocess.run([sys.executable, str(SHARED / "reference/check_fastapi.py"), "--url", server.url,
                          "--key", key, "--tol", "0"], capture_output=True, text=True, timeout=300)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    assert f"2000 rows: max |service - golden[{key}]| = 0, exact 2000/2000, is_fraud mismatches 0" in out.stdout
    assert server.stop() == 0


@pytest.mark.parametrize("model_file, key", [
    ("rf.onnx", "onnx_rf_prob"),
    ("lr_pipeline.onnx", "onnx_lr_prob"),
])
def test_reference_onnx_model_replays_within_1e_6(start_server, model_file, key):
    # skl2onnx's one input X [N, 15]: the column names come from features.json beside the file.
    model = SHARED / "reference/models" / model_file
    server = start_server("--port", "0", "--model", str(model))
    out = subprocess.run([sys.executable, str(SHARED / "reference/check_fastapi.py"), "--url", server.url,
                          "--key", key, "--tol", "1e-6"], capture_output=True, text=True, timeout=300)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    assert "2000 rows: max |service" in out.stdout and "is_fraud mismatches 0" in out.stdout
    worst = float(out.stdout.split(f"golden[{key}]| = ")[1].split(",")[0])
    assert worst <= 1e-6
    assert server.stop() == 0
