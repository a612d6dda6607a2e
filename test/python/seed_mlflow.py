"""Seed a real MLflow tracking server with the registry states the integration tests assert on.

Trains small scikit-learn models on the breast-cancer data set that ships with scikit-learn, logs
them the way users do (signature from infer_signature, input example, metrics, params, the git
commit tag), registers versions and sets tags, aliases and descriptions. Every scenario is one
registered-model pair `<scenario>-dev` (where candidates live) / `<scenario>-prod` (where the
champion lives).

Two source styles are produced on purpose:
  runs:/<run_id>/model   MLflow 2 style: model files logged as run artifacts, version created from them
  models:/m-<id>         MLflow 3 style: mlflow.sklearn.log_model creates a logged model

Usage: MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python seed_mlflow.py [--manifest out.json]
The manifest (names, versions, run ids, metric values, signatures) goes to --manifest or stdout;
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")

import mlflow  # noqa: E402
import mlflow.data  # noqa: E402
import mlflow.sklearn  # noqa: E402
import numpy as np  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.naive_bayes import GaussianNB  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

# A fixed commit so the manifest is deterministic; provenance gates only check the tag is present.
GIT_COMMIT = "3f1c2b9a8e7d6c5b4a39281706f5e4d3c2b1a098"
# Pinned requirements: inferring them spawns a subprocess per model (~6 s each).
PIP_REQUIREMENTS = ["scikit-learn", "pandas", "numpy"]
FEATURES = ["mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness"]
REQUIRED_TAGS = {"validation_status": "approved", "owner": "risk-team"}
EVAL_DATASET = "breast_cancer_eval"


def pinned_requirements() -> list[str]:
    """The installed versions, pinned with == (what a careful team logs)."""
    import pandas
    import sklearn

    return [f"scikit-learn=={sklearn.__version__}", f"pandas=={pandas.__version__}", f"numpy=={np.__version__}"]
DESCRIPTION = "Breast-cancer classifier trained on the five mean-shape features."


def log(message: str) -> None:
    print(f"seed: {message}", file=sys.stderr, flush=True)


class Seeder:
    def __init__(self) -> None:
        self.client = MlflowClient()
        data = load_breast_cancer(as_frame=True)
        x_all, y_all = data.data, data.target
        self.x_train, self.x_test, self.y_train, self.y_test = train_test_split(
            x_all, y_all, test_size=0.3, random_state=7, stratify=y_all
        )
        self.models: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}
        self.scenarios: dict[str, dict[str, Any]] = {}
        experiment = self.client.get_experiment_by_name("mlops-gate-seed")
        self.experiment_id = (
            experiment.experiment_id if experiment else self.client.create_experiment("mlops-gate-seed")
        )

    # ---- training -------------------------------------------------------------------------

    def train(self, kind: str, features: list[str]) -> tuple[Any, dict[str, float], dict[str, str]]:
        if kind == "logreg":
            model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
            params = {"model_type": "logistic_regression", "C": "1.0"}
        elif kind == "naive_bayes":
            model = GaussianNB()
            params = {"model_type": "gaussian_nb"}
        elif kind == "tree":
            model = DecisionTreeClassifier(max_depth=3, random_state=0)
            params = {"model_type": "decision_tree", "max_depth": "3"}
        else:
            raise ValueError(kind)
        params["n_features"] = str(len(features))
        model.fit(self.x_train[features], self.y_train)
        proba = model.predict_proba(self.x_test[features])[:, 1]
        timings = []
        for i in range(50):
            row = self.x_test[features].iloc[[i]]
            start = time.perf_counter()
            model.predict(row)
            timings.append((time.perf_counter() - start) * 1000)
        metrics = {
            "roc_auc": round(float(roc_auc_score(self.y_test, proba)), 6),
            "accuracy": round(float(accuracy_score(self.y_test, model.predict(self.x_test[features]))), 6),
            "latency_p95_ms": round(float(np.percentile(timings, 95)), 3),
        }
        return model, metrics, params

    # ---- logging --------------------------------------------------------------------------

    def log_run(
        self,
        kind: str,
        *,
        features: list[str] = FEATURES,
        style: str = "runs",
        signature: bool = True,
        finish: bool = True,
        retype: dict[str, str] | None = None,
        eval_rows: tuple[int, int] | None = None,
        pip_requirements: list[str] | None = None,
    ) -> dict[str, Any]:
        """Train, log and return {run_id, source, model_id, metrics, ...}. style: runs | models.

        eval_rows: log the held-out rows [a, b) as the run's evaluation dataset (mlflow.log_input,
        context "eval", name EVAL_DATASET): same rows, same digest."""
        model, metrics, params = self.train(kind, features)
        requirements = pip_requirements or PIP_REQUIREMENTS
        # skops (the default format) refuses tree internals unless the author vouches for them.
        flavor_args = {"skops_trusted_types": ["sklearn.tree._tree.Tree"]} if kind == "tree" else {}
        x_example = self.x_test[features].iloc[:5].copy()
        for column, dtype in (retype or {}).items():
            x_example[column] = x_example[column].round().astype(dtype)
        sig = infer_signature(x_example, model.predict(self.x_test[features].iloc[:5])) if signature else None
        example = x_example.iloc[:3] if signature else None

        run = self.client.create_run(self.experiment_id, tags={"mlflow.source.git.commit": GIT_COMMIT})
        run_id = run.info.run_id
        for key, value in params.items():
            self.client.log_param(run_id, key, value)
        model_id = None
        if style == "models":
            # MLflow 3: the model is its own entity; metrics are linked to it as well as the run.
            with mlflow.start_run(run_id=run_id):
                info = mlflow.sklearn.log_model(
                    model, name="model", signature=sig, input_example=example, pip_requirements=requirements,
                    **flavor_args,
                )
                model_id = info.model_id
                for key, value in metrics.items():
                    mlflow.log_metric(key, value, model_id=model_id)
            source = f"models:/{model_id}"
        else:
            for key, value in metrics.items():
                self.client.log_metric(run_id, key, value)
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "model")
                mlflow.sklearn.save_model(
                    model, path, signature=sig, input_example=example, pip_requirements=requirements,
                    **flavor_args,
                )
                self.client.log_artifacts(run_id, path, "model")
            source = f"runs:/{run_id}/model"
        digest = None
        if eval_rows is not None:
            frame = self.x_test[features].iloc[eval_rows[0]:eval_rows[1]].copy()
            frame["target"] = self.y_test.iloc[eval_rows[0]:eval_rows[1]].values
            dataset = mlflow.data.from_pandas(frame, targets="target", name=EVAL_DATASET)
            digest = dataset.digest
            with mlflow.start_run(run_id=run_id):
                mlflow.log_input(dataset, context="eval", tags={"split": "holdout"})
        if finish:
            self.client.set_terminated(run_id, "FINISHED")
        elif style == "models":
            # mlflow.start_run(run_id=...) ends the run on exit: put it back to RUNNING.
            self.client.update_run(run_id, status="RUNNING")

        inputs = None
        if sig is not None and sig.inputs is not None:
            inputs = [{"name": s.name, "type": s.type.name if hasattr(s.type, "name") else str(s.type)} for s in sig.inputs.inputs]
        self.runs[run_id] = {
            "status": "FINISHED" if finish else "RUNNING",
            "metrics": metrics,
            "params": params,
            "git_commit": GIT_COMMIT,
            "model_id": model_id,
            "signature_inputs": inputs,
            "has_signature": sig is not None,
            "input_example": "input_example.json" if example is not None else None,
            "eval_digest": digest,
            "pip_requirements": list(requirements),
        }
        return {"run_id": run_id, "source": source, "model_id": model_id, "metrics": metrics}

    def register(
        self,
        name: str,
        logged: dict[str, Any],
        *,
        tags: dict[str, str] | None = None,
        description: str | None = DESCRIPTION,
        aliases: tuple[str, ...] = (),
    ) -> str:
        if name not in self.models:
            try:
                self.client.create_registered_model(name)
            except MlflowException as e:
                if e.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
            self.models[name] = {"versions": {}}
        version = self.client.create_model_version(
            name, logged["source"], run_id=logged["run_id"], tags=tags or {}, description=description,
            model_id=logged["model_id"], await_creation_for=0,  # OSS creates versions READY at once
        ).version
        for alias in aliases:
            self.client.set_registered_model_alias(name, alias, version)
        self.models[name]["versions"][str(version)] = {
            "run_id": logged["run_id"],
            "source": logged["source"],
            "model_id": logged["model_id"],
            "tags": dict(tags or {}),
            "description": description or "",
            "aliases": list(aliases),
        }
        return str(version)

    def scenario(self, sid: str, candidate: tuple[str, str], champion: tuple[str, str] | None, **extra: Any) -> None:
        self.scenarios[sid] = {
            "candidate": {"name": candidate[0], "version": candidate[1]},
            "champion": {"name": champion[0], "version": champion[1]} if champion else None,
            **extra,
        }
        log(f"scenario {sid} ready")

    # ---- scenarios ------------------------------------------------------------------------

    def seed(self) -> None:
        tags = REQUIRED_TAGS

        # s1: candidate (logistic regression) beats the champion (naive Bayes). runs:/ sources.
        old = self.log_run("naive_bayes")
        self.register("s1-better-dev", old, tags=tags)
        champ = self.register("s1-better-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg")
        cand = self.register("s1-better-dev", new, tags=tags, aliases=("challenger",))
        self.scenario("s1-better", ("s1-better-dev", cand), ("s1-better-prod", champ), selector="alias:challenger")

        # s2: candidate (depth-3 tree, MLflow 3 logged model) is worse than the champion (runs:/).
        old = self.log_run("naive_bayes")
        champ = self.register("s2-worse-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("tree", style="models")
        self.register("s2-worse-dev", self.log_run("logreg"), tags=tags)  # an older dev version
        cand = self.register("s2-worse-dev", new, tags=tags)  # the latest version is the candidate
        self.scenario("s2-worse", ("s2-worse-dev", cand), ("s2-worse-prod", champ), selector="latest")

        # s3: first promotion: the prod model exists but has no champion alias yet.
        new = self.log_run("logreg")
        cand = self.register("s3-first-dev", new, tags=tags)
        self.register("s3-first-prod", self.log_run("tree"), tags=tags)  # a version, but no alias
        self.scenario("s3-first", ("s3-first-dev", cand), None, selector="version:1")

        # s4: candidate logged without a signature (no input example either, which would infer one).
        old = self.log_run("naive_bayes")
        champ = self.register("s4-nosig-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg", signature=False)
        cand = self.register("s4-nosig-dev", new, tags=tags, aliases=("challenger",))
        self.scenario("s4-nosig", ("s4-nosig-dev", cand), ("s4-nosig-prod", champ), selector="alias:challenger")

        # s5: breaking signature change: a removed input column and a retyped one (double -> long).
        old = self.log_run("tree")  # a weaker champion, so only the signature gate objects
        champ = self.register("s5-breaking-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg", features=FEATURES[:4], retype={"mean area": "int64"})
        cand = self.register("s5-breaking-dev", new, tags=tags, aliases=("challenger",))
        self.scenario(
            "s5-breaking", ("s5-breaking-dev", cand), ("s5-breaking-prod", champ), selector="alias:challenger",
            removed=["mean smoothness"], retyped={"mean area": ["double", "long"]},
        )

        # s6: candidate version lacks the required tags (only an unrelated one) and a description.
        old = self.log_run("naive_bayes")
        champ = self.register("s6-notags-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg")
        cand = self.register("s6-notags-dev", new, tags={"team": "risk"}, description=None, aliases=("challenger",))
        self.scenario("s6-notags", ("s6-notags-dev", cand), ("s6-notags-prod", champ), selector="alias:challenger")

        # s7: the candidate's source run is still RUNNING. Selected by tags.
        old = self.log_run("naive_bayes")
        champ = self.register("s7-running-prod", old, tags=tags, aliases=("champion",))
        self.register("s7-running-dev", self.log_run("tree"), tags={**tags, "stage": "candidate"})
        new = self.log_run("logreg", finish=False)
        cand = self.register("s7-running-dev", new, tags={**tags, "stage": "candidate"})
        self.scenario(
            "s7-running", ("s7-running-dev", cand), ("s7-running-prod", champ), selector="tags:stage=candidate"
        )

        # s8: MLflow 3 end to end: both sides are logged models (models:/m-...), metrics on the model.
        old = self.log_run("naive_bayes", style="models")
        champ = self.register("s8-mlflow3-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg", style="models")
        cand = self.register("s8-mlflow3-dev", new, tags=tags, aliases=("challenger",))
        self.scenario("s8-mlflow3", ("s8-mlflow3-dev", cand), ("s8-mlflow3-prod", champ), selector="alias:challenger")

        # Governance scenarios (issue 16): evaluation datasets, pinned requirements, a hostile file.
        # s9: both evaluated on the same held-out rows (same dataset name and digest); pinned
        # requirements; MLflow 3 candidate.
        old = self.log_run("naive_bayes", eval_rows=(0, 100))
        champ = self.register("s9-same-data-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg", style="models", eval_rows=(0, 100), pip_requirements=pinned_requirements())
        cand = self.register("s9-same-data-dev", new, tags={**tags, "version": "1.1.0"}, aliases=("challenger",))
        self.models["s9-same-data-prod"]["versions"][champ]["tags"]["version"] = "1.0.0"
        self.client.set_model_version_tag("s9-same-data-prod", champ, "version", "1.0.0")
        self.client.set_registered_model_tag("s9-same-data-dev", "cost_center", "risk-42")
        self.scenario("s9-same-data", ("s9-same-data-dev", cand), ("s9-same-data-prod", champ), selector="alias:challenger")

        # s10: the candidate was evaluated on other rows under the same dataset name (another digest).
        old = self.log_run("naive_bayes", eval_rows=(0, 100))
        champ = self.register("s10-other-data-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg", eval_rows=(100, 171))
        cand = self.register("s10-other-data-dev", new, tags=tags, aliases=("challenger",))
        self.scenario("s10-other-data", ("s10-other-data-dev", cand), ("s10-other-data-prod", champ), selector="alias:challenger")

        # s11: the champion logged no evaluation dataset; the candidate did.
        old = self.log_run("naive_bayes")
        champ = self.register("s11-no-baseline-data-prod", old, tags=tags, aliases=("champion",))
        new = self.log_run("logreg", eval_rows=(0, 100), pip_requirements=pinned_requirements())
        cand = self.register("s11-no-baseline-data-dev", new, tags=tags, aliases=("challenger",))
        self.scenario("s11-no-baseline-data", ("s11-no-baseline-data-dev", cand), ("s11-no-baseline-data-prod", champ), selector="alias:challenger")

        # s12: a 10 MB requirements.txt beside the MLmodel (hostile): never read past 1 MiB.
        new = self.log_run("logreg")
        with tempfile.TemporaryDirectory() as tmp:
            big = os.path.join(tmp, "requirements.txt")
            with open(big, "w", encoding="utf-8") as f:
                line = "numpy>=1.0  # " + "x" * 80 + "\n"
                f.write(line * (10 * 1024 * 1024 // len(line) + 1))
            self.client.log_artifact(new["run_id"], big, "model")
        cand = self.register("s12-huge-requirements-dev", new, tags=tags, aliases=("challenger",))
        self.scenario("s12-huge-requirements", ("s12-huge-requirements-dev", cand), None, selector="alias:challenger")

        # Pagination bed: 12 versions of one model (crosses 9 -> 10, where string order would lie),
        # every third tagged batch=b (and ci.job-name=nightly-b).
        shared = self.log_run("tree")
        for i in range(1, 13):
            batch = "b" if i % 3 == 0 else "a"
            # a dotted key with a dash: search must backquote it
            self.register("paging-dev", shared, tags={"batch": batch, "index": str(i), "ci.job-name": f"nightly-{batch}"})
        log("paging-dev ready (12 versions)")

    def manifest(self) -> dict[str, Any]:
        return {
            "tracking_uri": mlflow.get_tracking_uri(),
            "experiment_id": self.experiment_id,
            "git_commit": GIT_COMMIT,
            "features": FEATURES,
            "required_tags": REQUIRED_TAGS,
            "models": self.models,
            "runs": self.runs,
            "scenarios": self.scenarios,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", help="write the JSON manifest here instead of stdout")
    args = parser.parse_args()
    if not os.environ.get("MLFLOW_TRACKING_URI"):
        print("seed: error: set MLFLOW_TRACKING_URI to the server to seed", file=sys.stderr)
        return 2
    started = time.monotonic()
    seeder = Seeder()
    seeder.seed()
    document = json.dumps(seeder.manifest(), indent=2, sort_keys=True)
    if args.manifest:
        with open(args.manifest, "w", encoding="utf-8") as f:
            f.write(document + "\n")
    else:
        print(document)
    log(f"done in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
