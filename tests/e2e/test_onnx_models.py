"""scikit-learn pipelines converted by skl2onnx, served by fraudscore: every held-out row POSTed to
/predict comes back within 1e-6 of onnxruntime's own probability for the same file (onnxruntime
itself drifts up to ~4e-7 between batch sizes). The data has NaN cells (sent as JSON null), which the
pipelines' imputers replace. Column names for skl2onnx's unnamed `X [N, k]` come from features.json,
the ONNX metadata_props, or --features.

Needs tests/requirements.txt (scikit-learn, skl2onnx, onnxruntime, onnx) and FRAUDSCORE_BIN.
"""
import json
import subprocess

import numpy as np
import pytest

from conftest import REPO, binary
from test_generated_models import NAMES, predict_all, request_bodies, split, synthetic

import onnx
import onnxruntime as ort
import skl2onnx  # noqa: F401
from skl2onnx import to_onnx  # noqa: E402
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestClassifier  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402  (SVMClassifier: an operator fraudscore does not evaluate)

TOL = 1e-6


def data(seed):
    X, y, y_reg = synthetic(seed=seed, n=3300, nan_features=(0, 1, 3, 5))
    (X_train, X_test), [(y_train, _), (r_train, _)] = split(X, y, y_reg)
    return X_train, X_test, y_train, r_train


def convert(pipeline, X_train, path):
    onx = to_onnx(pipeline, X_train[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3})
    path.write_bytes(onx.SerializeToString())
    return onx


def runtime_output(path, X_test):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: X_test.astype(np.float32)})
    names = [o.name for o in session.get_outputs()]
    if "probabilities" in names:
        return np.asarray(outputs[names.index("probabilities")])[:, 1]
    if "output_probability" in names:
        return np.array([row[1] for row in outputs[names.index("output_probability")]])
    return np.asarray(outputs[0]).reshape(-1)


def serve_and_compare(start_server, case, folder, X_test, *extra):
    server = start_server("--port", "0", "--model", str(folder), *extra)
    served = np.array(predict_all(server, request_bodies(X_test, NAMES)))
    expected = runtime_output(next(folder.glob("*.onnx")), X_test)
    worst = float(np.max(np.abs(served - expected)))
    print(f"{case}: {len(served)} rows, largest difference to onnxruntime {worst:.3g}")
    assert worst <= TOL, f"{case}: largest difference to onnxruntime {worst:.3g} (row {int(np.argmax(np.abs(served - expected)))})"
    assert server.stop() == 0
    return worst


PIPELINES = {
    "logistic regression": lambda: make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                                                 LogisticRegression(max_iter=500)),
    "random forest": lambda: make_pipeline(SimpleImputer(strategy="mean"),
                                           RandomForestClassifier(n_estimators=30, max_depth=7, random_state=0)),
    "gradient boosting": lambda: make_pipeline(SimpleImputer(strategy="median"),
                                               GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0)),
}


@pytest.mark.parametrize("case", list(PIPELINES))
def test_sklearn_pipeline_with_imputer_agrees_with_onnxruntime(start_server, tmp_path, case):
    X_train, X_test, y_train, _ = data(seed=41)
    assert np.isnan(X_test).any(axis=1).sum() > 50, "the held-out rows should exercise the imputer"
    pipeline = PIPELINES[case]().fit(X_train, y_train)
    convert(pipeline, X_train, tmp_path / "model.onnx")
    (tmp_path / "features.json").write_text(json.dumps(NAMES))
    serve_and_compare(start_server, case, tmp_path, X_test)
    # onnxruntime and scikit-learn themselves agree to float precision.
    sk = pipeline.predict_proba(X_test)[:, 1]
    assert np.max(np.abs(sk - runtime_output(tmp_path / "model.onnx", X_test))) < 1e-4


def test_gradient_boosting_regressor_serves_its_raw_value(start_server, tmp_path):
    X_train, X_test, _, r_train = data(seed=43)
    pipeline = make_pipeline(SimpleImputer(), GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0))
    convert(pipeline.fit(X_train, r_train), X_train, tmp_path / "model.onnx")
    (tmp_path / "features.json").write_text(json.dumps(NAMES))
    serve_and_compare(start_server, "gradient boosting regressor", tmp_path, X_test)


def test_column_names_from_metadata_props_or_the_command_line(start_server, tmp_path):
    X_train, X_test, y_train, _ = data(seed=47)
    pipeline = PIPELINES["logistic regression"]().fit(X_train, y_train)
    with_meta = tmp_path / "meta"
    with_meta.mkdir()
    onx = convert(pipeline, X_train, with_meta / "model.onnx")
    entry = onx.metadata_props.add()
    entry.key, entry.value = "feature_names", json.dumps(NAMES)
    (with_meta / "model.onnx").write_bytes(onx.SerializeToString())
    serve_and_compare(start_server, "metadata_props feature_names", with_meta, X_test)

    plain = tmp_path / "plain"
    plain.mkdir()
    convert(pipeline, X_train, plain / "model.onnx")
    serve_and_compare(start_server, "--features", plain, X_test, "--features", ",".join(NAMES))

    out = subprocess.run([binary(), "serve", "--port", "0", "--model", str(plain)], capture_output=True,
                         text=True, cwd=REPO, timeout=30)
    assert out.returncode == 2
    assert "does not name its columns" in out.stdout and "features.json" in out.stdout


def test_an_unsupported_operator_is_named_in_the_load_error(tmp_path):
    X_train, _, y_train, _ = data(seed=53)
    pipeline = make_pipeline(SimpleImputer(), SVC(probability=True, random_state=0)).fit(X_train[:400], y_train[:400])
    convert(pipeline, X_train, tmp_path / "model.onnx")
    out = subprocess.run([binary(), "check-model", str(tmp_path / "model.onnx"), "--features", ",".join(NAMES)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "ai.onnx.ml.SVMClassifier" in out.stderr and "not supported" in out.stderr, out.stderr
