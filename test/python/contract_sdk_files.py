"""Contract test: the official databricks-sdk Files client (FilesExt) against the emulator's Files API.

Run by test/e2e/emulator/files-contract-sdk.test.ts with DATABRICKS_HOST / DATABRICKS_TOKEN set to the
emulator. Uploads at and above the SDK's multipart threshold (50 MiB) go through initiate-upload,
create-upload-part-urls, presigned part PUTs (ETags) and complete-upload; a failing upload is aborted
(create-abort-upload-url + DELETE); downloads use presigned URLs and Range. Prints one JSON line per
check and exits non-zero on the first failure.
"""

import hashlib
import io
import json
import os
import sys
import tempfile
import urllib.request

from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

CHECKS = 0
MIB = 1024 * 1024


def check(condition, what, **details):
    global CHECKS
    CHECKS += 1
    print(json.dumps({"check": what, "ok": bool(condition), **{k: str(v) for k, v in details.items()}}), flush=True)
    if not condition:
        sys.exit(1)


def data(size, seed):
    block = hashlib.sha256(str(seed).encode()).digest() * (MIB // 32)
    return (block * (size // len(block) + 1))[:size]


def requests_log(host):
    with urllib.request.urlopen(f"{host}/__emulator/requests") as r:
        return json.loads(r.read())["counts"]


def main():
    host = os.environ["DATABRICKS_HOST"]
    w = WorkspaceClient(config=Config(host=host, token=os.environ["DATABRICKS_TOKEN"]))

    # 1. Below the threshold: one PUT.
    small = data(3 * MIB, 1)
    w.files.upload("/Volumes/main/ml/raw/small.bin", io.BytesIO(small), overwrite=True)
    got = w.files.download("/Volumes/main/ml/raw/small.bin").contents.read()
    check(got == small, "a 3 MiB upload and download round-trip", size=len(got))

    # 2. At 60 MiB from a stream: multipart (10 MiB parts, SDK part-size rule), parallel workers.
    before = requests_log(host)
    big = data(60 * MIB, 2)
    w.files.upload("/Volumes/main/ml/raw/big.bin", io.BytesIO(big), overwrite=True)
    after = requests_log(host)
    parts = after.get("PUT /__presigned/parts/:ticket", 0) - before.get("PUT /__presigned/parts/:ticket", 0)
    check(parts == 6, "60 MiB goes up in six 10 MiB parts through presigned URLs", parts=parts)
    check(after.get("POST /api/2.0/fs/create-upload-part-urls", 0) > before.get("POST /api/2.0/fs/create-upload-part-urls", 0), "part URLs were asked for")
    check(after.get("POST /api/2.0/fs/files/*path", 0) - before.get("POST /api/2.0/fs/files/*path", 0) == 2, "initiate-upload and complete-upload")
    meta = w.files.get_metadata("/Volumes/main/ml/raw/big.bin")
    check(int(meta.content_length) == len(big), "HEAD reports the assembled size", size=meta.content_length)
    got = w.files.download("/Volumes/main/ml/raw/big.bin").contents.read()
    check(hashlib.sha256(got).hexdigest() == hashlib.sha256(big).hexdigest(), "the assembled file has the uploaded bytes in order")

    # 3. From a local file (upload_from: parallel, part 1 first), then download_to (parallel ranges).
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "model.bin")
        blob = data(75 * MIB, 3)
        with open(src, "wb") as f:
            f.write(blob)
        w.files.upload_from("/Volumes/main/ml/raw/from-file.bin", src, overwrite=True)
        dst = os.path.join(tmp, "back.bin")
        w.files.download_to("/Volumes/main/ml/raw/from-file.bin", dst, overwrite=True)
        with open(dst, "rb") as f:
            back = f.read()
        check(back == blob, "upload_from + download_to (parallel ranged download) round-trip 75 MiB", size=len(back))

    # 4. overwrite=False on an existing file is refused.
    try:
        w.files.upload("/Volumes/main/ml/raw/big.bin", io.BytesIO(big), overwrite=False)
        check(False, "overwrite=false on an existing file is refused")
    except Exception as err:  # noqa: BLE001 - any refusal is fine, the class is the SDK's choice
        check("exist" in str(err).lower(), "overwrite=false on an existing file is refused", error=type(err).__name__, message=err)

    # 5. A failing part upload: the SDK aborts the session (create-abort-upload-url + DELETE).
    with urllib.request.urlopen(urllib.request.Request(
        f"{host}/__emulator/faults",
        data=json.dumps({"kind": "error", "method": "PUT", "path": "/__presigned/parts/*", "status": 400, "skip": 1, "times": 20}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )) as r:
        r.read()
    before = requests_log(host)
    try:
        w.files.upload("/Volumes/main/ml/raw/fails.bin", io.BytesIO(data(60 * MIB, 4)), overwrite=True)
        check(False, "a failing part upload fails the upload")
    except Exception as err:  # noqa: BLE001
        check(True, "a failing part upload fails the upload", error=type(err).__name__)
    after = requests_log(host)
    check(after.get("POST /api/2.0/fs/create-abort-upload-url", 0) > before.get("POST /api/2.0/fs/create-abort-upload-url", 0), "the SDK asked for an abort URL")
    check(after.get("DELETE /__presigned/abort/:ticket", 0) > before.get("DELETE /__presigned/abort/:ticket", 0), "and aborted the session")
    urllib.request.urlopen(urllib.request.Request(f"{host}/__emulator/faults", method="DELETE")).read()
    try:
        w.files.get_metadata("/Volumes/main/ml/raw/fails.bin")
        check(False, "an aborted upload leaves no file")
    except Exception as err:  # noqa: BLE001
        check("not found" in str(err).lower() or type(err).__name__ == "NotFound", "an aborted upload leaves no file", error=type(err).__name__)

    print(json.dumps({"summary": "ok", "checks": CHECKS}))


if __name__ == "__main__":
    main()
