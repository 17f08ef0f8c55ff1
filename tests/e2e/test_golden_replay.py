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
