"""Contract test: the official databricks-sdk ServingEndpointsAPI against the emulator.

Run by test/e2e/emulator/serving-contract-sdk.test.ts with DATABRICKS_HOST / DATABRICKS_TOKEN set to
the emulator, whose seed makes `main.ml.churn` version 13 fail to deploy and config updates take
about half a second. Prints one JSON line per check and exits non-zero on the first failure.
"""

import json
import os
import sys

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    InvalidParameterValue,
    NotFound,
    OperationFailed,
    ResourceAlreadyExists,
    ResourceConflict,
    ResourceDoesNotExist,
)
from databricks.sdk.service.serving import (
    AiGatewayInferenceTableConfig,
    EndpointCoreConfigInput,
    EndpointStateConfigUpdate,
    EndpointStateReady,
    EndpointTag,
    Route,
    ServedEntityInput,
    TrafficConfig,
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
    except cls as err:  # noqa: PERF203 - clarity over speed
        check(True, what, error=type(err).__name__, error_code=getattr(err, "error_code", ""), message=err)
        return err
    except Exception as err:  # the wrong class is a contract failure
        check(False, what, expected=cls.__name__, got=type(err).__name__, message=err)
    else:
        check(False, what, expected=cls.__name__, got="no error")


def entity(version):
    return ServedEntityInput(entity_name="main.ml.churn", entity_version=str(version), workload_size="Small", scale_to_zero_enabled=True)


w = WorkspaceClient(host=os.environ["DATABRICKS_HOST"], token=os.environ["DATABRICKS_TOKEN"], auth_type="pat")
api = w.serving_endpoints
name = "churn-contract"

# create_and_wait: polls GET until config_update is NOT_UPDATING.
endpoint = api.create_and_wait(
    name=name,
    config=EndpointCoreConfigInput(name=name, served_entities=[entity(1)]),
    tags=[EndpointTag(key="team", value="risk")],
)
check(endpoint.state.config_update == EndpointStateConfigUpdate.NOT_UPDATING, "create_and_wait ends NOT_UPDATING", state=endpoint.state)
check(endpoint.state.ready == EndpointStateReady.READY, "endpoint READY after create", state=endpoint.state)
check(endpoint.config.config_version == 1, "first config is version 1", version=endpoint.config.config_version)
check(endpoint.pending_config is None, "no pending_config after the update", pending=endpoint.pending_config)
check([e.name for e in endpoint.config.served_entities] == ["churn-1"], "default served entity name", names=[e.name for e in endpoint.config.served_entities])
check(endpoint.config.traffic_config.routes[0].traffic_percentage == 100, "single entity gets 100% traffic")

expect_error(ResourceAlreadyExists, "duplicate create is ResourceAlreadyExists", lambda: api.create(name=name, config=EndpointCoreConfigInput(name=name, served_entities=[entity(1)])))

# update_config without waiting, then a second update while the first is in flight.
waiter = api.update_config(
    name=name,
    served_entities=[entity(1), entity(2)],
    traffic_config=TrafficConfig(routes=[Route(served_model_name="churn-1", traffic_percentage=80), Route(served_model_name="churn-2", traffic_percentage=20)]),
)
check(waiter.response.state.config_update == EndpointStateConfigUpdate.IN_PROGRESS, "update_config answers IN_PROGRESS", state=waiter.response.state)
check(waiter.response.pending_config.config_version == 2, "pending_config carries version 2", pending=waiter.response.pending_config.config_version)
err = expect_error(ResourceConflict, "update while updating is ResourceConflict", lambda: api.update_config(name=name, served_entities=[entity(3)]))
check(err.error_code == "RESOURCE_CONFLICT", "conflict error_code", error_code=err.error_code)
updated = waiter.result()
check(updated.config.config_version == 2, "Wait.result() sees version 2", version=updated.config.config_version)
check([r.traffic_percentage for r in updated.config.traffic_config.routes] == [80, 20], "traffic split applied")

# update_config_and_wait: traffic only (served entities kept).
shifted = api.update_config_and_wait(
    name=name,
    traffic_config=TrafficConfig(routes=[Route(served_model_name="churn-1", traffic_percentage=0), Route(served_model_name="churn-2", traffic_percentage=100)]),
)
check(shifted.config.config_version == 3, "update_config_and_wait reaches version 3", version=shifted.config.config_version)
check([r.traffic_percentage for r in shifted.config.traffic_config.routes] == [0, 100], "traffic moved to churn-2")

expect_error(
    InvalidParameterValue,
    "traffic not summing to 100 is InvalidParameterValue",
    lambda: api.update_config(name=name, traffic_config=TrafficConfig(routes=[Route(served_model_name="churn-1", traffic_percentage=50)])),
)

# A version that fails to deploy: the waiter raises OperationFailed, the previous config stays.
try:
    api.update_config_and_wait(name=name, served_entities=[entity(13)])
    check(False, "failing version raises OperationFailed", got="no error")
except OperationFailed as failure:
    check("UPDATE_FAILED" in str(failure), "failing version raises OperationFailed", message=failure)
after = api.get(name)
check(after.state.config_update == EndpointStateConfigUpdate.UPDATE_FAILED, "get shows UPDATE_FAILED", state=after.state)
check(after.state.ready == EndpointStateReady.READY, "still READY on the previous config", state=after.state)
check(after.config.config_version == 3, "previous config (version 3) still served", version=after.config.config_version)

# Tags, AI gateway, query, metrics, list.
tags = api.patch(name=name, add_tags=[EndpointTag(key="env", value="prod")], delete_tags=["team"])
check([(t.key, t.value) for t in tags.tags] == [("env", "prod")], "patch tags", tags=tags)
gateway = api.put_ai_gateway(name=name, inference_table_config=AiGatewayInferenceTableConfig(catalog_name="main", schema_name="ml", table_name_prefix="churn", enabled=True))
check(gateway.inference_table_config.enabled is True, "put_ai_gateway echoes the config")
answer = api.query(name=name, dataframe_records=[{"a": 1}, {"a": 2}])
check(len(answer.predictions) == 2, "query returns one prediction per record", predictions=answer.predictions)
check(answer.served_model_name == "churn-2", "served-model-name header surfaces", served=answer.served_model_name)
metrics = api.export_metrics(name=name).contents.read().decode()
# The export holds the latest whole minute (per-minute gauges): the query shows up once its minute is over.
check("# TYPE request_count_total gauge" in metrics and 'request_count_total{served_entity_name="churn-2"}' in metrics, "export_metrics answers the per-minute gauges of the served entities", metrics=metrics[:200])
names = [e.name for e in api.list()]
check(name in names, "list includes the endpoint", names=names)

# Delete, then the endpoint is gone.
api.delete(name=name)
err = expect_error(ResourceDoesNotExist, "get after delete is ResourceDoesNotExist", lambda: api.get(name))
check(isinstance(err, NotFound), "ResourceDoesNotExist is a NotFound")

print(json.dumps({"summary": "ok", "checks": CHECKS}), flush=True)
