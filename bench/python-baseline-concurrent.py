"""The same evidence as python-baseline.py, gathered the way a competent engineer would for many
targets: the same official `mlflow` client calls (get_model_version_by_alias, get_run,
mlflow.models.get_model_info), but every distinct read made once and eight at a time
(ThreadPoolExecutor, 8 threads; MlflowClient is used from several threads as MLflow's own
parallel utilities do).

De-duplication: a lookup (model, alias) once; a run once; an MLmodel once per model location.
A version whose source is `runs:/<run>/<path>` shares its files with every copy of it (OSS MLflow
copies keep the source), so get_model_info reads that source once; other versions are read as
`models:/<name>/<version>` (Unity Catalog keeps files per version).

Usage: python python-baseline-concurrent.py TARGETS.json   (same input and output as python-baseline.py)
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
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

imported = time.perf_counter()
THREADS = 8


def model_location(version):
    source = version.source or ""
    return source if source.startswith("runs:/") else f"models:/{version.name}/{version.version}"


def main():
    with open(sys.argv[1]) as f:
        targets = json.load(f)
    client = MlflowClient()
    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        # 1. Every distinct alias lookup.
        lookups = sorted({(t[side]["name"], t[side]["alias"]) for t in targets for side in ("candidate", "champion")})
        versions = dict(zip(lookups, pool.map(lambda key: client.get_model_version_by_alias(*key), lookups)))
        # 2. Every distinct run and MLmodel of the versions found, in one pool.
        run_ids = sorted({v.run_id for v in versions.values() if v.run_id})
        locations = sorted({model_location(v) for v in versions.values()})
        run_futures = {run_id: pool.submit(client.get_run, run_id) for run_id in run_ids}
        info_futures = {loc: pool.submit(mlflow.models.get_model_info, loc) for loc in locations}
        runs = {run_id: f.result() for run_id, f in run_futures.items()}
        infos = {loc: f.result() for loc, f in info_futures.items()}
    facts = {"versions": 0, "runs_with_metrics": 0, "signatures": 0}
    for target in targets:
        for side in ("candidate", "champion"):
            version = versions[(target[side]["name"], target[side]["alias"])]
            run = runs.get(version.run_id)
            info = infos[model_location(version)]
            facts["versions"] += 1
            facts["runs_with_metrics"] += 1 if run is not None and run.data.metrics else 0
            facts["signatures"] += 1 if info.signature and info.signature.inputs.input_names() else 0
    seconds = time.perf_counter() - begin
    print(
        json.dumps(
            {
                "seconds": seconds,
                "importSeconds": imported - started,
                "targets": len(targets),
                "facts": facts,
                "mlflow": mlflow.__version__,
                "threads": THREADS,
            }
        )
    )


if __name__ == "__main__":
    main()
