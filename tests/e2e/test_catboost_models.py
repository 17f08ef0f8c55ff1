"""CatBoost models served by fraudscore, natively: every held-out row POSTed to /predict comes back
within 1e-12 of catboost's own prediction (predict_proba for Logloss and CrossEntropy,
RawFormulaVal for RMSE), on rows with missing values (sent as JSON null), for each NaN mode and
for both files catboost writes (`.cbm`, its default, and `format="json"`); the reference model of
tests/fixtures/catboost answers the golden requests as catboost does; an MLflow folder written by
mlflow.catboost.save_model is served as it is.

Needs tests/requirements.txt (catboost, mlflow-skinny, pandas) and FRAUDSCORE_BIN.
"""
import json

import numpy as np
import pytest

from conftest import FIXTURES
from modelrepo import http
from test_generated_models import NAMES, predict_all, request_bodies, split, synthetic

import catboost
import pandas as pd

TOLERANCE = 1e-12


def within(case, served, expected):
    expected = [float(e) for e in expected]
    assert len(served) == len(expected)
    worst = max(abs(s - e) for s, e in zip(served, expected))
    assert worst <= TOLERANCE, f"{case}: largest difference to catboost is {worst}"


def serve(start_server, path, bodies):
    server = start_server("--port", "0", "--model", str(path))
    served = predict_all(server, bodies)
    health = http("GET", server.url + "/health")[1]
    assert server.stop() == 0
    return served, health


@pytest.mark.parametrize("nan_mode,loss,fmt", [("Min", "Logloss", "cbm"), ("Max", "Logloss", "json"),
                                               ("Max", "CrossEntropy", "cbm"), ("Min", "RMSE", "json"),
                                               ("Forbidden", "RMSE", "cbm")])
def test_served_predictions_are_catboosts_own(start_server, tmp_path, nan_mode, loss, fmt):
    nan_features = () if nan_mode == "Forbidden" else (0, 3)
    X, y_bin, y_reg = synthetic(seed=83, n=3300, nan_features=nan_features)
    (X_train, X_test), [(y_train, _)] = split(X, y_reg if loss == "RMSE" else y_bin)
    # Forbidden: trained without missing values; catboost's predict still scores a NaN, as fraudscore does.
    X_test = X_test.copy()
    X_test[np.random.default_rng(5).random(X_test.shape) < 0.1] = np.nan
    cls = catboost.CatBoostRegressor if loss == "RMSE" else catboost.CatBoostClassifier
    model = cls(iterations=80, depth=6, loss_function=loss, nan_mode=nan_mode, random_seed=0, thread_count=1,
                verbose=0, allow_writing_files=False)
    model.fit(catboost.Pool(X_train, y_train, feature_names=NAMES))
    path = tmp_path / f"model.{fmt}"
    model.save_model(str(path), format="json" if fmt == "json" else "cbm")
    reloaded = catboost.CatBoost().load_model(str(path), format="json" if fmt == "json" else "cbm")
    if loss == "RMSE":
        expected = reloaded.predict(X_test, prediction_type="RawFormulaVal")
    else:
        expected = reloaded.predict(X_test, prediction_type="Probability")[:, 1]
    served, health = serve(start_server, path, request_bodies(X_test, NAMES))
    within(f"{nan_mode} {loss} .{fmt}", served, expected)
    assert health["model"]["format"] == ("catboost-json" if fmt == "json" else "catboost-cbm"), health


def test_reference_model_answers_the_golden_requests(start_server):
    lines = [json.loads(line) for line in (FIXTURES / "catboost" / "golden_catboost.jsonl").read_text().splitlines()]
    # The amount is required of every transaction; a row without one is the client's error.
    scored = [line for line in lines if line["request"]["tx_amount"] is not None]
    assert sum(None in line["request"].values() for line in scored) > 1000
    served, _ = serve(start_server, FIXTURES / "catboost" / "catboost_model.cbm", [line["request"] for line in scored])
    within("golden requests", served, [line["catboost_model_prob"] for line in scored])


def test_mlflow_catboost_flavor(start_server, tmp_path):
    import mlflow.catboost
    from mlflow.models import infer_signature
    X, y, _ = synthetic(seed=89, n=3300, nan_features=(1, 5))
    (X_train, X_test), [(y_train, _)] = split(X, y)
    frame = pd.DataFrame(X_train, columns=NAMES)
    model = catboost.CatBoostClassifier(iterations=50, depth=4, random_seed=0, thread_count=1, verbose=0,
                                        allow_writing_files=False).fit(frame, y_train)
    folder = tmp_path / "model"
    mlflow.catboost.save_model(model, str(folder), signature=infer_signature(frame))
    served, health = serve(start_server, folder, request_bodies(X_test, NAMES))
    within("mlflow catboost", served, model.predict_proba(pd.DataFrame(X_test, columns=NAMES))[:, 1])
    assert health["model"]["format"] == "catboost-cbm", health
