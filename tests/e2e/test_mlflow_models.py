"""MLflow model folders written by mlflow.<flavor>.save_model, served as they are: MLmodel names the
flavor's file and the signature names the columns. XGBoost and LightGBM agree exactly with the
library, ONNX within 1e-6 of onnxruntime; a pickled scikit-learn model is refused with a message
saying how to log it instead.

Needs tests/requirements.txt (mlflow-skinny, pandas, xgboost, lightgbm, skl2onnx, onnxruntime).
"""
import subprocess

import numpy as np
import pytest

from conftest import REPO, binary
from test_generated_models import NAMES, assert_exact, predict_all, request_bodies, split, synthetic

import pandas as pd
import mlflow
import xgboost as xgb
import lightgbm as lgb
import mlflow.lightgbm  # noqa: E402
import mlflow.onnx  # noqa: E402
import mlflow.sklearn  # noqa: E402
import mlflow.xgboost  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402


def data(seed):
    X, y, _ = synthetic(seed=seed, n=3300, nan_features=(0, 3))
    (X_train, X_test), [(y_train, _)] = split(X, y)
    return X_train, X_test, y_train


def serve(start_server, folder, X_test):
    server = start_server("--port", "0", "--model", str(folder))
    served = predict_all(server, request_bodies(X_test, NAMES))
    assert server.stop() == 0
    return served


def test_xgboost_flavor_takes_its_column_names_from_the_signature(start_server, tmp_path):
    X_train, X_test, y_train = data(61)
    # Trained on a bare array: the booster itself has no feature names, only the signature does.
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4, "nthread": 1, "seed": 0},
                        xgb.DMatrix(X_train, label=y_train), num_boost_round=30)
    assert booster.feature_names is None
    folder = tmp_path / "model"
    mlflow.xgboost.save_model(booster, str(folder), signature=infer_signature(pd.DataFrame(X_train, columns=NAMES)))
    data_file = next(p for p in folder.iterdir() if p.suffix in (".ubj", ".xgb", ".json"))
    expected = xgb.Booster(model_file=str(data_file)).inplace_predict(X_test.astype(np.float32))
    bodies = request_bodies(X_test, NAMES)
    assert_exact("mlflow xgboost", bodies, serve(start_server, folder, X_test), expected)


def test_lightgbm_flavor(start_server, tmp_path):
    X_train, X_test, y_train = data(67)
    frame = pd.DataFrame(X_train, columns=NAMES)
    booster = lgb.train({"objective": "binary", "num_leaves": 15, "verbose": -1, "num_threads": 1, "seed": 0},
                        lgb.Dataset(frame, label=y_train), num_boost_round=30)
    folder = tmp_path / "model"
    mlflow.lightgbm.save_model(booster, str(folder), signature=infer_signature(frame))
    expected = lgb.Booster(model_file=str(folder / "model.lgb")).predict(X_test)
    bodies = request_bodies(X_test, NAMES)
    assert_exact("mlflow lightgbm", bodies, serve(start_server, folder, X_test), expected)


def test_onnx_flavor_with_a_column_signature(start_server, tmp_path):
    from skl2onnx import to_onnx
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_train, X_test, y_train = data(71)
    pipeline = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=500)).fit(X_train, y_train)
    onx = to_onnx(pipeline, X_train[:1].astype(np.float32), target_opset={"": 17, "ai.onnx.ml": 3})
    folder = tmp_path / "model"
    mlflow.onnx.save_model(onx, str(folder), signature=infer_signature(pd.DataFrame(X_train.astype(np.float32), columns=NAMES)))
    from test_onnx_models import runtime_output
    expected = runtime_output(folder / "model.onnx", X_test)
    worst = float(np.max(np.abs(np.array(serve(start_server, folder, X_test)) - expected)))
    assert worst <= 1e-6, worst


def test_a_pickled_model_is_refused_with_what_to_do_instead(tmp_path):
    from sklearn.linear_model import LogisticRegression

    X_train, _, y_train = data(73)
    folder = tmp_path / "model"
    mlflow.sklearn.save_model(LogisticRegression().fit(np.nan_to_num(X_train), y_train), str(folder),
                              serialization_format="cloudpickle")
    assert (folder / "model.pkl").exists()
    for command in (["serve", "--port", "0", "--model", str(folder)], ["check-model", str(folder)]):
        out = subprocess.run([binary(), *command], capture_output=True, text=True, cwd=REPO, timeout=30)
        assert out.returncode == 2, out
        text = out.stdout + out.stderr
        assert "model.pkl" in text and "pickled" in text and "mlflow.onnx" in text, text
