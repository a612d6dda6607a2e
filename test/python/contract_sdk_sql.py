"""Contract test: the official databricks-sdk StatementExecutionAPI against the emulator's SQL warehouse.

Run by test/e2e/emulator/sql-contract-sdk.test.ts with DATABRICKS_HOST / DATABRICKS_TOKEN set to the
emulator, whose seed has a running warehouse `running-wh`, a stopped one `stopped-wh` (it takes 30 s of
emulator time to start; statements run 2 s) and a drift metrics table. The emulator's clock is real
time here, so the hybrid mode (wait_timeout 10s, CONTINUE) answers PENDING for the stopped warehouse.
Prints one JSON line per check and exits non-zero on the first failure.
"""

import json
import sys

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, ResourceDoesNotExist
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    StatementParameterListItem,
    StatementState,
)

CHECKS = 0


def check(condition, what, **details):
    global CHECKS
    CHECKS += 1
    print(json.dumps({"check": what, "ok": bool(condition), **{k: str(v) for k, v in details.items()}}), flush=True)
    if not condition:
        sys.exit(1)


w = WorkspaceClient()
sql = w.statement_execution

DRIFT = (
    "SELECT column_name, data_type, unix_millis(`window`.start) AS window_start_ms, unix_millis(`window`.`end`) AS window_end_ms, "
    "js_distance, ks_test.statistic AS ks_statistic, ks_test.pvalue AS ks_pvalue, wasserstein_distance, population_stability_index, "
    "chi_squared_test.statistic AS chi_squared_statistic, chi_squared_test.pvalue AS chi_squared_pvalue, tv_distance, l_infinity_distance, "
    "count_delta, avg_delta, percent_null_delta, percent_zeros_delta, percent_distinct_delta\n"
    "FROM IDENTIFIER(:drift_table)\n"
    "WHERE slice_key IS NULL AND granularity = :granularity AND drift_type = :drift_type\n"
    "  AND `window`.`end` = (SELECT MAX(`window`.`end`) FROM IDENTIFIER(:drift_table) WHERE slice_key IS NULL AND granularity = :granularity AND drift_type = :drift_type)"
)
params = [
    StatementParameterListItem(name="drift_table", value="main.mon.`churn-payload_drift_metrics`"),
    StatementParameterListItem(name="granularity", value="1 day"),
    StatementParameterListItem(name="drift_type", value="BASELINE"),
]

# Synchronous enough: the running warehouse finishes within wait_timeout, so the answer carries the result.
r = sql.execute_statement(DRIFT, "running-wh", parameters=params, wait_timeout="10s", disposition=Disposition.INLINE, format=Format.JSON_ARRAY)
check(r.status.state == StatementState.SUCCEEDED, "a statement that ends within wait_timeout answers SUCCEEDED", state=r.status.state)
cols = [c.name for c in r.manifest.schema.columns]
check(cols[:4] == ["column_name", "data_type", "window_start_ms", "window_end_ms"], "manifest.schema.columns name the result columns in order", cols=cols)
check(r.manifest.schema.columns[2].type_name.value == "LONG", "unix_millis is a BIGINT (type_name LONG)", type=r.manifest.schema.columns[2].type_name)
check(r.result.data_array == [["tenure", "double", "0", "86400000", "0.04", "0.1", "0.41", None, "0.07", None, None, None, None, None, None, None, None, None]],
      "data_array: every value a string, NULL as null, only the latest window", rows=r.result.data_array)
check(r.manifest.total_row_count == 1 and r.manifest.truncated is False, "manifest.total_row_count and truncated", manifest=r.manifest)

# The stopped warehouse: PENDING while it starts, then polled with get_statement.
r = sql.execute_statement("SELECT 1 AS one", "stopped-wh", wait_timeout="5s", on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE)
check(r.status.state == StatementState.PENDING and r.statement_id, "on_wait_timeout CONTINUE answers PENDING with a statement id", state=r.status.state)
g = sql.get_statement(r.statement_id)
check(g.status.state in (StatementState.PENDING, StatementState.RUNNING), "get_statement reads the state", state=g.status.state)
sql.cancel_execution(r.statement_id)
g = sql.get_statement(r.statement_id)
check(g.status.state == StatementState.CANCELED, "cancel_execution cancels a statement still waiting", state=g.status.state)

r = sql.execute_statement("SELECT 1 AS one", "stopped-wh", wait_timeout="0s")
check(r.status.state == StatementState.PENDING, "wait_timeout 0s is asynchronous", state=r.status.state)
r = sql.execute_statement("SELECT 1 AS one", "stopped-wh", wait_timeout="5s", on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL)
check(r.status.state == StatementState.CANCELED, "on_wait_timeout CANCEL answers CANCELED", state=r.status.state)

# FAILED is HTTP 200 with the warehouse's error and SQLSTATE.
r = sql.execute_statement("SELECT * FROM main.mon.nope", "running-wh", wait_timeout="10s")
check(r.status.state == StatementState.FAILED and r.status.sql_state == "0A000", "a statement it cannot run is FAILED with a SQLSTATE", status=r.status)
r = sql.execute_statement(DRIFT, "running-wh", parameters=[StatementParameterListItem(name="drift_table", value="main.mon.missing_drift_metrics"), *params[1:]], wait_timeout="10s")
check(r.status.state == StatementState.FAILED and r.status.sql_state == "42P01" and "TABLE_OR_VIEW_NOT_FOUND" in r.status.error.message,
      "a missing table: FAILED, TABLE_OR_VIEW_NOT_FOUND, SQLSTATE 42P01", status=r.status)
check(r.status.error.error_code.value == "BAD_REQUEST", "status.error.error_code is a ServiceErrorCode", code=r.status.error.error_code)
r = sql.execute_statement(DRIFT, "running-wh", parameters=params[:2], wait_timeout="10s")
check(r.status.state == StatementState.FAILED and r.status.sql_state == "42P02", "an unbound parameter: UNBOUND_SQL_PARAMETER, 42P02", status=r.status)

try:
    sql.get_statement("01ef00000000000000000000000000")
    check(False, "an unknown statement id is 404")
except (NotFound, ResourceDoesNotExist) as err:
    check(True, "an unknown statement id is 404 (NotFound)", error=type(err).__name__)

try:
    sql.execute_statement("SELECT 1 AS one", "running-wh", wait_timeout="3s")
    check(False, "wait_timeout outside 0 and 5–50 s is refused")
except Exception as err:  # InvalidParameterValue (400)
    check(getattr(err, "error_code", "") == "INVALID_PARAMETER_VALUE", "wait_timeout outside 0 and 5–50 s is refused (400)", error=err)

print(json.dumps({"summary": "ok", "checks": CHECKS}))
