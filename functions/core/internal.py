"""Service-to-service calls: a direct Lambda invoke with `{"action", "payload"}`.

The callee answers `{"result": ...}` or `{"error": {"code", "kind", "title", "detail"}}`; the caller
re-raises the error with the same code and kind, so a problem document passes through unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from core import aws
from core.dynamo import busy
from core.errors import DomainError, ErrorKind, ServiceUnavailable, catalogue, error_class
from core.observability import logger, metrics

Action = Callable[[dict[str, Any]], Any]
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@cache
def _remote_error_class(code: str, kind: str, title: str) -> type[DomainError]:
    # The local class of a known code, even if another version of the callee words it differently:
    # a relayed error must never trip the catalogue's one-title rule.
    return catalogue().get(code) or error_class(code, ErrorKind(kind), title)


def invoke(function_name: str, action: str, payload: dict[str, Any]) -> Any:
    try:
        response = _invoke(function_name, action, payload)
    except (ClientError, BotoCoreError):
        # Throttled, timed out, not found: the caller asked nothing wrong.
        logger.exception("Internal call not delivered", extra={"function": function_name, "action": action})
        raise ServiceUnavailable() from None
    raw = response["Payload"].read()
    if response.get("FunctionError"):
        logger.error(
            "Internal call failed", extra={"function": function_name, "action": action, "error": raw}
        )
        raise ServiceUnavailable()
    answer = json.loads(raw)
    if "error" in answer:
        error = answer["error"]
        cls = _remote_error_class(error["code"], error["kind"], error["title"])
        # Built as a plain DomainError: a class's own constructor (PinInvalid's tries left, …) takes
        # other arguments, and what they made arrives ready in `extra`.
        relayed = cls.__new__(cls)
        DomainError.__init__(relayed, error.get("detail"), **error.get("extra", {}))
        raise relayed
    return answer["result"]


def _invoke(function_name: str, action: str, payload: dict[str, Any]) -> Any:
    return aws.client("lambda").invoke(
        FunctionName=function_name,
        # The caller's correlation id rides along (optional key), so the callee's log lines carry it too.
        Payload=json.dumps(
            {
                "action": action,
                "payload": payload,
                "correlation_id": logger.get_current_keys().get("correlation_id", ""),
            }
        ).encode(),
    )


def serve(actions: Mapping[str, Action]) -> Handler:
    """Build the Lambda handler of a service's internal function from its action table. It carries the
    same two decorators as every other entry point, so each internal function has them by being served."""

    @logger.inject_lambda_context
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        action = actions.get(str(event.get("action")))
        logger.append_keys(correlation_id=str(event.get("correlation_id") or ""))
        if action is None:
            return {"error": _error_body("unknown_action", ErrorKind.INVALID, "Unknown action", None, {})}
        try:
            return {"result": action(event.get("payload") or {})}
        except DomainError as error:
            return {"error": _error_body(error.code, error.kind, error.title, error.detail, error.extra)}
        except ValidationError as error:
            detail = str(error.errors(include_input=False, include_url=False))
            return {
                "error": _error_body("validation_failed", ErrorKind.INVALID, "Invalid payload", detail, {})
            }
        except Exception as error:
            if not busy(error):
                raise
            # DynamoDB throttled after the SDK's retries: the caller relays a 503, not a bug.
            logger.warning("DynamoDB busy", exc_info=True)
            unavailable = ServiceUnavailable(retry_after_seconds=1)
            return {
                "error": _error_body(
                    unavailable.code, unavailable.kind, unavailable.title, None, unavailable.extra
                )
            }

    return cast(Handler, handler)  # log_metrics is typed as returning Callable[..., Any]


def _error_body(
    code: str, kind: ErrorKind, title: str, detail: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    return {"code": code, "kind": str(kind), "title": title, "detail": detail, "extra": extra}
