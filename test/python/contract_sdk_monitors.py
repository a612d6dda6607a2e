"""Contract test: databricks-sdk QualityMonitorsAPI (legacy) and DataQualityAPI (v1) against the emulator.

Run by test/e2e/emulator/monitors-contract-sdk.test.ts with DATABRICKS_HOST / DATABRICKS_TOKEN set to
the emulator, seeded with catalog `main`, schemas `ml` and `monitoring`, tables `main.ml.churn_inference`
and `main.ml.fraud_inference`, and refreshes that take about half a second. Prints one JSON line per check
and exits non-zero on the first failure.
"""

import json
import os
import sys
import time

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, ResourceAlreadyExists, ResourceConflict
from databricks.sdk.service.catalog import (
    MonitorCronSchedule,
    MonitorInferenceLog,
    MonitorInferenceLogProblemType,
    MonitorInfoStatus,
    MonitorRefreshInfoState,
    MonitorTimeSeries,
)
from databricks.sdk.service.dataquality import (
    AggregationGranularity,
    CronSchedule,
    DataProfilingConfig,
    DataProfilingStatus,
    InferenceLogConfig,
    InferenceProblemType,
    Monitor,
    Refresh,
    RefreshState,
    SnapshotConfig,
    TimeSeriesConfig,
)

CHECKS = 0


def check(condition, what, **details):
    global CHECKS
    CHECKS += 1
    print(json.dumps({"check": what, "ok": bool(condition), **{k: str(v) for k, v in details.items()}}), flush=True)
    if not condition:
        sys.exit(1)


def expect_error(cls, what, fn):
    try:
        fn()
    except cls as err:
        check(True, what, error=type(err).__name__, error_code=getattr(err, "error_code", ""), message=err)
        return err
    except Exception as err:
        check(False, what, expected=cls.__name__, got=type(err).__name__, message=err)
    else:
        check(False, what, expected=cls.__name__, got="no error")


def wait_until(fetch, done, what):
    for _ in range(100):
        value = fetch()
        if done(value):
            return value
        time.sleep(0.1)
    check(False, what, last=value)


w = WorkspaceClient(host=os.environ["DATABRICKS_HOST"], token=os.environ["DATABRICKS_TOKEN"], auth_type="pat")
qm = w.quality_monitors
table = "main.ml.churn_inference"

# ---- Legacy QualityMonitorsAPI ----
log = MonitorInferenceLog(
    problem_type=MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION,
    timestamp_col="ts",
    granularities=["1 day"],
    prediction_col="prediction",
    model_id_col="model_version",
    label_col="label",
)
info = qm.create(table_name=table, output_schema_name="main.monitoring", assets_dir="/Workspace/monitors/churn", inference_log=log)
check(info.table_name == table, "create returns MonitorInfo", info=info.table_name)
check(info.status in (MonitorInfoStatus.MONITOR_STATUS_PENDING, MonitorInfoStatus.MONITOR_STATUS_ACTIVE), "status is a MonitorInfoStatus", status=info.status)
check(info.inference_log.problem_type == MonitorInferenceLogProblemType.PROBLEM_TYPE_CLASSIFICATION, "inference_log round-trips")
check(info.profile_metrics_table_name == "main.monitoring.churn_inference_profile_metrics", "profile metrics table name", name=info.profile_metrics_table_name)
check(w.tables.get("main.monitoring.churn_inference_drift_metrics").table_id is not None, "drift metrics table exists in UC")

expect_error(
    ResourceAlreadyExists,
    "duplicate create is ResourceAlreadyExists",
    lambda: qm.create(table_name=table, output_schema_name="main.monitoring", assets_dir="/x", inference_log=log),
)
expect_error(
    InvalidParameterValue,
    "bad granularity is InvalidParameterValue",
    lambda: qm.create(
        table_name="main.ml.fraud_inference",
        output_schema_name="main.monitoring",
        assets_dir="/x",
        time_series=MonitorTimeSeries(timestamp_col="ts", granularities=["7 hours"]),
    ),
)
expect_error(NotFound, "monitor of an unknown table is NotFound", lambda: qm.get("main.ml.nope"))

got = wait_until(lambda: qm.get(table), lambda m: m.status == MonitorInfoStatus.MONITOR_STATUS_ACTIVE, "monitor becomes ACTIVE")
check(got.monitor_version == 1, "get returns version 1", version=got.monitor_version)

updated = qm.update(
    table_name=table,
    output_schema_name="main.monitoring",
    inference_log=log,
    slicing_exprs=["model_version"],
    schedule=MonitorCronSchedule(quartz_cron_expression="0 0 12 * * ?", timezone_id="UTC"),
)
check(updated.monitor_version == 2, "update bumps monitor_version", version=updated.monitor_version)
check(updated.schedule.quartz_cron_expression == "0 0 12 * * ?", "update sets the schedule")

refresh = qm.run_refresh(table_name=table)
check(refresh.state in (MonitorRefreshInfoState.PENDING, MonitorRefreshInfoState.RUNNING), "run_refresh starts PENDING/RUNNING", state=refresh.state)
expect_error(ResourceConflict, "second refresh while one runs is ResourceConflict", lambda: qm.run_refresh(table_name=table))
done = wait_until(
    lambda: qm.get_refresh(table_name=table, refresh_id=refresh.refresh_id),
    lambda r: r.state in (MonitorRefreshInfoState.SUCCESS, MonitorRefreshInfoState.FAILED),
    "refresh finishes",
)
check(done.state == MonitorRefreshInfoState.SUCCESS, "refresh ends SUCCESS", state=done.state)
check(done.end_time_ms is not None and done.end_time_ms >= done.start_time_ms, "refresh has end_time_ms")
refreshes = qm.list_refreshes(table_name=table).refreshes
check([r.refresh_id for r in refreshes] == [refresh.refresh_id], "list_refreshes lists the refresh", ids=[r.refresh_id for r in refreshes])

# ---- Data Quality v1, on the same monitor ----
dq = w.data_quality
table_id = w.tables.get(table).table_id
schema_id = w.schemas.get("main.monitoring").schema_id
seen = dq.get_monitor(object_type="table", object_id=table_id)
check(seen.data_profiling_config.output_schema_id == schema_id, "legacy monitor visible in Data Quality with output_schema_id")
check(seen.data_profiling_config.inference_log.granularities == [AggregationGranularity.AGGREGATION_GRANULARITY_1_DAY], "granularity as enum")
check(seen.data_profiling_config.inference_log.problem_type == InferenceProblemType.INFERENCE_PROBLEM_TYPE_CLASSIFICATION, "problem type as enum")

qm.delete(table_name=table)
expect_error(NotFound, "get after delete is NotFound", lambda: qm.get(table))

fraud_id = w.tables.get("main.ml.fraud_inference").table_id
created = dq.create_monitor(
    Monitor(
        object_type="table",
        object_id=fraud_id,
        data_profiling_config=DataProfilingConfig(
            output_schema_id=schema_id,
            assets_dir="/Workspace/monitors/fraud",
            inference_log=InferenceLogConfig(
                problem_type=InferenceProblemType.INFERENCE_PROBLEM_TYPE_REGRESSION,
                timestamp_column="ts",
                granularities=[AggregationGranularity.AGGREGATION_GRANULARITY_1_HOUR],
                prediction_column="prediction",
                model_id_column="model_version",
            ),
        ),
    )
)
check(created.object_id == fraud_id, "create_monitor returns the monitor", object_id=created.object_id)
check(
    created.data_profiling_config.status in (DataProfilingStatus.DATA_PROFILING_STATUS_PENDING, DataProfilingStatus.DATA_PROFILING_STATUS_ACTIVE),
    "status is a DataProfilingStatus",
)
expect_error(
    ResourceAlreadyExists,
    "duplicate create_monitor is ResourceAlreadyExists",
    lambda: dq.create_monitor(
        Monitor(object_type="table", object_id=fraud_id, data_profiling_config=DataProfilingConfig(output_schema_id=schema_id, snapshot=SnapshotConfig()))
    ),
)
legacy_view = qm.get("main.ml.fraud_inference")
check(legacy_view.inference_log.granularities == ["1 hour"], "Data Quality monitor visible in the legacy API")

patched = dq.update_monitor(
    object_type="table",
    object_id=fraud_id,
    monitor=Monitor(
        object_type="table",
        object_id=fraud_id,
        data_profiling_config=DataProfilingConfig(
            output_schema_id=schema_id, schedule=CronSchedule(quartz_cron_expression="0 15 3 * * ?", timezone_id="UTC")
        ),
    ),
    update_mask="data_profiling_config.schedule",
)
check(patched.data_profiling_config.schedule.quartz_cron_expression == "0 15 3 * * ?", "update_monitor applies the masked field")
check(patched.data_profiling_config.inference_log is not None, "fields outside the mask are kept")
check(patched.data_profiling_config.monitor_version == 2, "update_monitor bumps monitor_version")

dq_refresh = dq.create_refresh(object_type="table", object_id=fraud_id, refresh=Refresh(object_type="table", object_id=fraud_id))
check(dq_refresh.state in (RefreshState.MONITOR_REFRESH_STATE_PENDING, RefreshState.MONITOR_REFRESH_STATE_RUNNING), "create_refresh starts", state=dq_refresh.state)
finished = wait_until(
    lambda: dq.get_refresh(object_type="table", object_id=fraud_id, refresh_id=dq_refresh.refresh_id),
    lambda r: r.state == RefreshState.MONITOR_REFRESH_STATE_SUCCESS,
    "Data Quality refresh succeeds",
)
check(finished.end_time_ms is not None, "get_refresh has end_time_ms")
listed = list(dq.list_refresh(object_type="table", object_id=fraud_id))
check([r.refresh_id for r in listed] == [dq_refresh.refresh_id], "list_refresh lists it", ids=[r.refresh_id for r in listed])

second = dq.create_refresh(object_type="table", object_id=fraud_id, refresh=Refresh(object_type="table", object_id=fraud_id))
canceled = dq.cancel_refresh(object_type="table", object_id=fraud_id, refresh_id=second.refresh_id)
check(canceled.refresh.state == RefreshState.MONITOR_REFRESH_STATE_CANCELED, "cancel_refresh cancels", state=canceled.refresh.state)

dq.delete_monitor(object_type="table", object_id=fraud_id)
expect_error(NotFound, "get_monitor after delete is NotFound", lambda: dq.get_monitor(object_type="table", object_id=fraud_id))

print(json.dumps({"summary": "ok", "checks": CHECKS}), flush=True)
