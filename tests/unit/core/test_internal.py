"""core.internal: an error relayed from another service reaches the client as that service's problem,
never as a 500, whatever the class's own constructor takes; an invoke that fails is a 503."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from core import internal
from core.errors import ServiceUnavailable
from payments.domain.errors import PinInvalid
from tests.unit.conftest import FakeContext


def answering(monkeypatch: pytest.MonkeyPatch, answer: dict[str, Any]) -> None:
    def invoke(function_name: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"Payload": io.BytesIO(json.dumps(answer).encode())}

    monkeypatch.setattr(internal, "_invoke", invoke)


def test_a_relayed_error_of_a_class_with_its_own_constructor_keeps_its_code_and_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PinInvalid(tries_left) takes no detail: the relay must not call it with one
    sent = PinInvalid(2)
    answering(
        monkeypatch,
        {
            "error": {
                "code": sent.code,
                "kind": sent.kind.value,
                "title": sent.title,
                "detail": sent.detail,
                "extra": sent.extra,
            }
        },
    )
    with pytest.raises(PinInvalid) as relayed:
        internal.invoke("payments-internal", "move", {})
    assert (relayed.value.detail, relayed.value.extra) == (sent.detail, {"tries_left": 2})


def test_an_invoke_the_cloud_refuses_is_a_503(monkeypatch: pytest.MonkeyPatch) -> None:
    def throttled(function_name: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        raise ClientError(
            {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "Invoke"
        )

    monkeypatch.setattr(internal, "_invoke", throttled)
    with pytest.raises(ServiceUnavailable):
        internal.invoke("payments-internal", "rules", {})


def test_dynamodb_busy_in_an_action_is_relayed_as_service_unavailable() -> None:
    def throttled(payload: dict[str, Any]) -> Any:
        raise ClientError(
            {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"
        )

    def bug(payload: dict[str, Any]) -> Any:
        raise RuntimeError("bug")

    handler = internal.serve({"throttled": throttled, "bug": bug})
    answer = handler({"action": "throttled", "payload": {}}, FakeContext())
    assert answer["error"]["code"] == "service_unavailable"
    assert answer["error"]["extra"] == {"retry_after_seconds": 1}
    with pytest.raises(RuntimeError):  # anything else is still a bug, not a 503
        handler({"action": "bug", "payload": {}}, FakeContext())
