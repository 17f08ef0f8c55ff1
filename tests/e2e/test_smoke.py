"""scripts/smoke.sh passes on the default model and fails, saying why, on a wrong model or none."""
import subprocess


from conftest import FIXTURES, REPO, binary

SMOKE = str(REPO / "scripts/smoke.sh")


def test_smoke_passes_on_the_default_model(start_server):
    server = start_server("--port", "0")
    out = subprocess.run([SMOKE, server.url], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "smoke: 5 passed, 0 failed" in out.stdout


def test_smoke_fails_on_a_wrong_model(start_server):
    model = FIXTURES / "models/xgb_model.json"
    server = start_server("--port", "0", "--model", str(model))
    out = subprocess.run([SMOKE, server.url], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 1
    assert "FAIL POST /predict: wrong prediction" in out.stdout
    assert "wrong model deployed?" in out.stdout


def test_smoke_fails_when_no_model_loads(tmp_path):
    out = subprocess.run([SMOKE, "--binary", binary(), "--model", str(tmp_path / "missing.json")],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode != 0
    assert "FAIL server start" in out.stdout + out.stderr
    assert "cannot load model" in out.stdout + out.stderr


def test_smoke_fails_when_nothing_answers():
    out = subprocess.run([SMOKE, "http://127.0.0.1:9"], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert out.returncode == 1
    assert "no HTTP answer" in out.stdout
