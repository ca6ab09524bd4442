"""LocalStack's per-request log line for failures only (unless asked for), and a count of requests.

LocalStack logs every request at INFO ("AWS dynamodb.PutItem => 200"), and builds its `extra` (the
request's headers, its parsed input, the response's headers) before the logging call, whatever the level:
about 7% of the local cloud's CPU per DynamoDB call (decision 0044). Successful requests are left out;
refused and failed ones are still logged. `LOCALCLOUD_REQUEST_LOG=1` logs them all again.

Every AWS request is counted instead, by service, operation and table (`make bench` reads how many
DynamoDB requests a transfer costs from here):

    GET /_localcloud/requests   -> {"counts": {"dynamodb.TransactWriteItems payments-positions,...": n, ...}}
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from typing import Any

from localstack.runtime import hooks

REQUESTS_PATH = "/_localcloud/requests"
_counts: Counter[str] = Counter()
_counts_lock = threading.Lock()


def _tables(request: Any) -> str:
    """The table(s) a DynamoDB request names, sorted: one, or those of a transaction or batch."""
    if not isinstance(request, dict):
        return ""
    if "TableName" in request:
        return str(request["TableName"])
    names: set[str] = set()
    for item in request.get("TransactItems") or []:
        names.update(op.get("TableName", "") for op in item.values() if isinstance(op, dict))
    names.update(request.get("RequestItems") or {})
    return ",".join(sorted(names))


def _key(context: Any) -> str:
    key = f"{context.service.service_name}.{context.operation.name}"
    if context.service.service_name == "dynamodb":
        key += f" {_tables(context.service_request)}"
    return key


@hooks.on_infra_start()
def count_and_log_failures() -> None:
    from localstack.aws.handlers.logging import ResponseLogger
    from localstack.http import Request, Response
    from localstack.services.edge import ROUTER

    log_every_request = ResponseLogger.__call__
    log_all = os.environ.get("LOCALCLOUD_REQUEST_LOG") == "1"

    def count_and_log(self: Any, chain: Any, context: Any, response: Any) -> None:
        if context.operation is not None and context.service is not None:
            key = _key(context)
            with _counts_lock:
                _counts[key] += 1
        if log_all or context.service_exception is not None or response.status_code >= 400:
            log_every_request(self, chain, context, response)

    def requests_endpoint(request: Request, **_: Any) -> Response:
        with _counts_lock:
            counts = dict(_counts)
        return Response(json.dumps({"counts": counts}), 200, mimetype="application/json")

    logger_class: Any = ResponseLogger
    logger_class.__call__ = count_and_log
    ROUTER.add(REQUESTS_PATH, requests_endpoint, methods=["GET"])
