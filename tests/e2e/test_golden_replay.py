"""The 2,000 golden rows replayed over HTTP give XGBoost's own probabilities, exactly."""
import subprocess
import sys

import pytest

from conftest import SHARED


def test_reference_model_replays_exactly(start_server):
    model = SHARED / "reference/models/xgb_model.json"
    if not model.exists():
        pytest.skip("../shared is not checked out beside the repository")
    server = start_server("--port", "0", "--model", str(model))
    out = subprocess.run([sys.executable, str(SHARED / "reference/check_fastapi.py"), "--url", server.url,
                          "--key", "xgb_prob"], capture_output=True, text=True, timeout=300)
    print(out.stdout, out.stderr)
    assert out.returncode == 0
    assert "2000 rows: max |service - golden[xgb_prob]| = 0, exact 2000/2000, is_fraud mismatches 0" in out.stdout
    assert server.stop() == 0
