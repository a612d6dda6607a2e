"""Contract: the official databricks-sdk WorkspaceClient against the emulator.

Covers catalogs/schemas, the Files API, Unity Catalog registered models and model versions (REST 2.1:
get/list/update, aliases, get-by-alias), error classes, OAuth M2M (client id/secret) end to end, and,
when ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN and CONTRACT_FEDERATION_CLIENT_ID/AUDIENCE are set, GitHub
OIDC token exchange. Needs DATABRICKS_HOST, DATABRICKS_TOKEN, CONTRACT_CLIENT_ID, CONTRACT_CLIENT_SECRET.

Versions cannot be created through REST 2.1 (the SDK has no create method), so the script creates one
the way the mlflow client does: MLflow-protocol create → Files API upload → finalize.

Prints one JSON line with what it observed and exits non-zero on the first broken expectation.
"""

import io
import json
import os
import sys
import uuid

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound, PermissionDenied, ResourceAlreadyExists, ResourceConflict

HOST = os.environ["DATABRICKS_HOST"]
TOKEN = os.environ["DATABRICKS_TOKEN"]
CLIENT_ID = os.environ.get("CONTRACT_CLIENT_ID", "emulator-client")
CLIENT_SECRET = os.environ.get("CONTRACT_CLIENT_SECRET", "emulator-secret")
observed = {}


def check(cond, what):
    if not cond:
        print(json.dumps({"ok": False, "failed": what, "observed": observed}, default=str))
        sys.exit(1)


def expect_error(cls, fn, what):
    try:
        fn()
    except cls as e:
        observed.setdefault("errors", {})[what] = f"{type(e).__name__}: {e.error_code}"
        return e
    except Exception as e:  # noqa: BLE001
        check(False, f"{what}: expected {cls.__name__}, got {type(e).__name__}: {e}")
    check(False, f"{what}: expected {cls.__name__}, got success")


def main():
    # PAT auth: the SDK reads DATABRICKS_HOST / DATABRICKS_TOKEN.
    w = WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat")
    me = w.current_user.me()
    observed["pat_user"] = me.user_name

    suffix = uuid.uuid4().hex[:6]
    catalog = f"sdk_{suffix}"
    w.catalogs.create(name=catalog, comment="contract")
    check(any(c.name == catalog for c in w.catalogs.list()), "created catalog is listed")
    expect_error(ResourceConflict, lambda: w.catalogs.create(name=catalog), "duplicate catalog")
    w.schemas.create(name="ml", catalog_name=catalog)
    check([s.name for s in w.schemas.list(catalog_name=catalog)] == ["ml"], "schema is listed")
    check(w.schemas.get(f"{catalog}.ml").full_name == f"{catalog}.ml", "schema get by full name")
    expect_error(NotFound, lambda: w.schemas.get(f"{catalog}.missing"), "missing schema")

    full = f"{catalog}.ml.churn"
    created = w.registered_models.create(catalog_name=catalog, schema_name="ml", name="churn", comment="first")
    check(created.full_name == full, "registered model full name")
    expect_error(NotFound, lambda: w.registered_models.create(catalog_name=catalog, schema_name="nope", name="x"), "model in missing schema")

    # One version, created as the mlflow client does, its files through the SDK Files API.
    api = w.api_client
    mv = api.do("POST", "/api/2.0/mlflow/unity-catalog/model-versions/create", body={"name": full, "source": "dbfs:/tmp/model"})["model_version"]
    check(mv["status"] == "PENDING_REGISTRATION", "new version is PENDING_REGISTRATION")
    check(mv["storage_location"].startswith("s3://"), "new version has a storage location")
    base = f"/Models/{catalog}/ml/churn/{mv['version']}"
    w.files.upload(f"{base}/MLmodel", io.BytesIO(b"artifact_path: model\nflavors: {}\n"), overwrite=True)
    w.files.upload(f"{base}/model/model.pkl", io.BytesIO(b"\x80\x04pickle"), overwrite=True)
    listed = sorted(e.path for e in w.files.list_directory_contents(base))
    check(listed == [f"{base}/MLmodel", f"{base}/model"], "directory listing shows file and subdirectory")
    check(w.files.download(f"{base}/model/model.pkl").contents.read() == b"\x80\x04pickle", "file downloads intact")
    meta = w.files.get_metadata(f"{base}/MLmodel")
    check(meta.content_length == len(b"artifact_path: model\nflavors: {}\n"), "HEAD reports content length")
    expect_error(NotFound, lambda: w.files.get_metadata(f"{base}/absent"), "missing file")
    done = api.do("POST", "/api/2.0/mlflow/unity-catalog/model-versions/finalize", body={"name": full, "version": mv["version"]})["model_version"]
    check(done["status"] == "READY", "finalize makes the version READY")

    # REST 2.1 reads.
    v = w.model_versions.get(full, 1)
    check(v.version == 1 and v.status.value == "READY", "REST 2.1 version is an int and READY")
    w.registered_models.set_alias(full, "champion", 1)
    by_alias = w.model_versions.get_by_alias(full, "champion")
    check(by_alias.version == 1, "get_by_alias resolves")
    model = w.registered_models.get(full, include_aliases=True)
    check([(a.alias_name, a.version_num) for a in model.aliases] == [("champion", 1)], "aliases are [{alias_name, version_num}]")
    check([m.full_name for m in w.registered_models.list(catalog_name=catalog, schema_name="ml")] == [full], "list models in schema")
    check([x.version for x in w.model_versions.list(full)] == [1], "list versions")
    w.model_versions.update(full, 1, comment="validated")
    check(w.model_versions.get(full, 1).comment == "validated", "version comment updated")
    w.registered_models.update(full, comment="second")
    check(w.registered_models.get(full).comment == "second", "model comment updated")
    w.registered_models.delete_alias(full, "champion")
    expect_error(NotFound, lambda: w.model_versions.get_by_alias(full, "champion"), "deleted alias")
    expect_error(NotFound, lambda: w.model_versions.get(full, 7), "missing version")

    # OAuth M2M: client credentials through the workspace's OIDC endpoints.
    m2m = WorkspaceClient(host=HOST, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth_type="oauth-m2m")
    observed["m2m_user"] = m2m.current_user.me().user_name
    check(any(c.name == catalog for c in m2m.catalogs.list()), "OAuth M2M client can call the API")
    check(m2m.model_versions.get(full, 1).version == 1, "OAuth M2M client reads the registry")
    try:
        bad = WorkspaceClient(host=HOST, client_id=CLIENT_ID, client_secret="wrong", auth_type="oauth-m2m")
        bad.catalogs.list().__next__()
        check(False, "wrong client secret is refused")
    except Exception as e:  # noqa: BLE001 - the SDK wraps token errors in ValueError
        observed["bad_secret_error"] = type(e).__name__

    # GitHub OIDC token exchange (federation policy), when the caller provides the GitHub stand-in.
    fed_client = os.environ.get("CONTRACT_FEDERATION_CLIENT_ID")
    if fed_client and "ACTIONS_ID_TOKEN_REQUEST_URL" in os.environ:
        gh = WorkspaceClient(
            host=HOST,
            client_id=fed_client,
            auth_type="github-oidc",
            token_audience=os.environ["CONTRACT_FEDERATION_AUDIENCE"],
        )
        observed["github_oidc_user"] = gh.current_user.me().user_name
        check(gh.model_versions.get(full, 1).version == 1, "GitHub OIDC client reads the registry")

    bad_token = WorkspaceClient(host=HOST, token="dapi-wrong", auth_type="pat")
    expect_error(PermissionDenied, lambda: bad_token.current_user.me(), "wrong token")

    # Cleanup.
    w.model_versions.delete(full, 1)
    w.registered_models.delete(full)
    expect_error(NotFound, lambda: w.registered_models.get(full), "deleted model")
    check(issubclass(ResourceAlreadyExists, ResourceConflict), "sdk error hierarchy as documented")

    print(json.dumps({"ok": True, "observed": observed}, default=str))


if __name__ == "__main__":
    main()
