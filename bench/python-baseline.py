"""The evidence a promotion check needs, gathered the way MLOps Stacks notebooks do it today.

With the official `mlflow` client (MlflowClient), one call after another, for every target: the
candidate by alias, its run, its MLmodel (signature); the champion by alias, its run, its MLmodel.
The MLmodel is read with mlflow.models.get_model_info("models:/<name>/<version>"), which downloads
just that file. Nothing is cached between targets, as in a notebook loop.

Usage: python python-baseline.py TARGETS.json
  TARGETS.json: [{"candidate": {"name": ..., "alias": ...}, "champion": {"name": ..., "alias": ...}}, ...]
  The registry comes from the environment: MLFLOW_TRACKING_URI (+ MLFLOW_REGISTRY_URI, e.g.
  databricks-uc with DATABRICKS_HOST / DATABRICKS_TOKEN).
Prints one JSON line: {"seconds": <gathering time>, "importSeconds": ..., "targets": n, "facts": {...}}.
"""

import json
import os
import sys
import time

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

started = time.perf_counter()
import warnings  # noqa: E402

warnings.filterwarnings("ignore")
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

imported = time.perf_counter()


def evidence(client, name, alias):
    version = client.get_model_version_by_alias(name, alias)
    run = client.get_run(version.run_id)
    info = mlflow.models.get_model_info(f"models:/{name}/{version.version}")
    inputs = info.signature.inputs.input_names() if info.signature else []
    return {"version": version.version, "metrics": dict(run.data.metrics), "inputs": inputs}


def main():
    with open(sys.argv[1]) as f:
        targets = json.load(f)
    client = MlflowClient()
    begin = time.perf_counter()
    facts = {"versions": 0, "runs_with_metrics": 0, "signatures": 0}
    for target in targets:
        for side in ("candidate", "champion"):
            found = evidence(client, target[side]["name"], target[side]["alias"])
            facts["versions"] += 1
            facts["runs_with_metrics"] += 1 if found["metrics"] else 0
            facts["signatures"] += 1 if found["inputs"] else 0
    seconds = time.perf_counter() - begin
    print(
        json.dumps(
            {
                "seconds": seconds,
                "importSeconds": imported - started,
                "targets": len(targets),
                "facts": facts,
                "mlflow": mlflow.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
