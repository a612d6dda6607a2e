"""Contract: the official mlflow client (registry_uri "databricks-uc", tracking "databricks") against
the emulator. Needs DATABRICKS_HOST and DATABRICKS_TOKEN, and catalogs `<src>` and `<dst>` with a
schema `ml` (CONTRACT_SRC_CATALOG / CONTRACT_DST_CATALOG, default dev / prod).

Prints one JSON line with what it observed and exits non-zero on the first broken expectation.
"""

import json
import os
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

SRC = os.environ.get("CONTRACT_SRC_CATALOG", "dev")
DST = os.environ.get("CONTRACT_DST_CATALOG", "prod")
MODEL = f"{SRC}.ml.churn_contract"
COPY = f"{DST}.ml.churn_contract"
observed = {}


def check(cond, what):
    if not cond:
        print(json.dumps({"ok": False, "failed": what, "observed": observed}, default=str))
        sys.exit(1)


def main():
    mlflow.set_tracking_uri("databricks")
    mlflow.set_registry_uri("databricks-uc")
    client = MlflowClient()

    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    signature = infer_signature(X, model.predict(X))

    mlflow.set_experiment("/Shared/contract-uc")
    with mlflow.start_run(run_name="contract-train") as run:
        mlflow.log_params({"C": 1.0, "solver": "lbfgs"})
        for step, value in enumerate([0.81, 0.86, 0.9]):
            mlflow.log_metric("auc", value, step=step)
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            input_example=X[:2],
            registered_model_name=MODEL,
            # Explicit requirements: skips mlflow's slow requirement inference (a subprocess).
            pip_requirements=[f"scikit-learn=={sklearn.__version__}", "numpy"],
        )
    run_id = run.info.run_id
    observed["run_id"] = run_id
    observed["registered_version"] = info.registered_model_version
    check(info.registered_model_version is not None, "log_model registered a version")

    # Tracking read back through the client.
    fetched = client.get_run(run_id)
    check(fetched.data.metrics.get("auc") == 0.9, "latest metric value is the last step")
    check(fetched.data.params.get("C") == "1.0", "params round-trip")
    history = client.get_metric_history(run_id, "auc")
    check([m.value for m in history] == [0.81, 0.86, 0.9], "metric history in order")

    mv = client.get_model_version(MODEL, info.registered_model_version)
    observed["status"] = mv.status
    observed["source"] = mv.source
    check(mv.status == "READY", "finalized version is READY")
    check(mv.run_id == run_id, "version links its run")

    # Alias, load by alias, predict.
    client.set_registered_model_alias(MODEL, "champion", mv.version)
    by_alias = client.get_model_version_by_alias(MODEL, "champion")
    check(by_alias.version == mv.version, "alias resolves to the version")
    loaded = mlflow.pyfunc.load_model(f"models:/{MODEL}@champion")
    preds = loaded.predict(X[:10])
    check(list(np.asarray(preds)) == list(model.predict(X[:10])), "loaded model predicts like the original")
    check(loaded.metadata.signature is not None, "loaded model has its signature")

    # Tags on model and version.
    client.set_registered_model_tag(MODEL, "team", "risk")
    client.set_model_version_tag(MODEL, mv.version, "validation", "passed")
    rm = client.get_registered_model(MODEL)
    check(rm.tags.get("team") == "risk", "registered model tag set")
    check(rm.aliases.get("champion") == mv.version, "registered model lists its alias")
    check(client.get_model_version(MODEL, mv.version).tags.get("validation") == "passed", "version tag set")
    client.delete_model_version_tag(MODEL, mv.version, "validation")
    check("validation" not in client.get_model_version(MODEL, mv.version).tags, "version tag deleted")
    client.set_model_version_tag(MODEL, mv.version, "validation", "passed")

    # Copy across catalogs (client downloads and re-uploads the files).
    copied = client.copy_model_version(f"models:/{MODEL}@champion", COPY)
    observed["copied_version"] = copied.version
    observed["copied_source"] = copied.source
    check(copied.status == "READY", "copied version is READY")
    check(copied.source == f"models:/{MODEL}/{mv.version}", "copied version's source names the original")
    check(client.get_model_version(COPY, copied.version).tags.get("validation") == "passed", "copy keeps version tags")
    with tempfile.TemporaryDirectory() as tmp:
        path = mlflow.artifacts.download_artifacts(f"models:/{COPY}/{copied.version}", dst_path=tmp)
        check(os.path.exists(os.path.join(path, "MLmodel")), "copied version has its MLmodel")
    copy_loaded = mlflow.pyfunc.load_model(f"models:/{COPY}/{copied.version}")
    check(list(np.asarray(copy_loaded.predict(X[:5]))) == list(model.predict(X[:5])), "copied model predicts")

    # Search.
    versions = client.search_model_versions(f"name='{MODEL}'")
    check([v.version for v in versions] == [mv.version], "search by name finds the version")
    by_run = client.search_model_versions(f"run_id='{run_id}'")
    check(sorted(v.name for v in by_run) == sorted([MODEL, COPY]), "search by run_id finds original and copy")
    names = [m.name for m in client.search_registered_models()]
    check(MODEL in names and COPY in names, "search registered models lists both")

    # Alias removal and a missing alias.
    client.delete_registered_model_alias(MODEL, "champion")
    try:
        client.get_model_version_by_alias(MODEL, "champion")
        check(False, "deleted alias no longer resolves")
    except MlflowException as e:
        observed["missing_alias_error"] = e.error_code
        check(e.error_code == "RESOURCE_DOES_NOT_EXIST", "missing alias is RESOURCE_DOES_NOT_EXIST")

    # A model name outside Unity Catalog's three levels is refused.
    try:
        client.create_registered_model("not_three_levels")
        check(False, "two-level name is refused")
    except MlflowException as e:
        observed["bad_name_error"] = e.error_code

    print(json.dumps({"ok": True, "observed": observed}, default=str))


if __name__ == "__main__":
    main()
