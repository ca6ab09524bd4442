"""Fault injection for the local cloud: AWS errors and latency on chosen service operations, on demand.

LocalStack community has no chaos API. This plugin adds one step to the gateway's handler chain (in
`serve_custom_service_request_handlers`, which runs after the request is parsed into service + operation
and before the provider runs) and a small HTTP API to set the rules:

    GET    /_localcloud/faults          -> {"rules": [...], "injected": [...last 200 hits...]}
    POST   /_localcloud/faults          body: one rule (see `FaultRule.from_json`) -> the stored rule
    DELETE /_localcloud/faults          -> every rule (and the log of hits) removed
    DELETE /_localcloud/faults/<id>     -> that rule removed

A matching request first waits `latency_ms`, then, if the rule names an `error`, fails with that AWS error
code and status, serialized in the service's own protocol (so boto3 raises the same ClientError it would
on AWS); without an `error` it continues to the provider after the delay.

What passes through the step: every request served by the gateway, which is every call from a Lambda
function (boto3 with AWS_ENDPOINT_URL, over HTTP) and every LocalStack-internal client call when
IN_MEMORY_CLIENT=1 (the in-memory client short-circuits into the same handler chain): SNS -> SQS delivery
(`sqs:SendMessage`), the event source mapping pollers (`sqs:ReceiveMessage`/`DeleteMessage`,
`dynamodbstreams:GetRecords`), the pollers' and API Gateway's `lambda:Invoke`. A rule's `source`
(`any`, `external`, `internal`) tells them apart. Rules live in memory: a restart clears them.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

from localstack.aws import handlers
from localstack.aws.api import CommonServiceException, RequestContext
from localstack.http import Request, Response
from localstack.runtime import hooks
from localstack.services.edge import ROUTER
from rolo import Response as ChainResponse
from rolo.gateway.chain import HandlerChain

LOG = logging.getLogger(__name__)

FAULTS_PATH = "/_localcloud/faults"
SOURCES = ("any", "external", "internal")
MAX_LATENCY_MS = 120_000
LOG_SIZE = 200


class FaultRuleError(ValueError):
    """A rule body that cannot be used; the API answers 400 with the reason."""


@dataclass
class FaultRule:
    """Which requests fail (or slow down), how, and how often.

    `service` and `operation` are LocalStack's names (`dynamodb`, `TransactWriteItems`; `*` matches any).
    `resource`, when set, must occur in the parsed request (a table name, a topic ARN, a function name).
    `probability` draws from a generator seeded with `seed`, so a run replays; `count` caps the hits
    and `duration_s` the time the rule stays active, after which it stops matching (it stays listed).
    """

    service: str
    operation: str = "*"
    error: str | None = None
    status: int = 400
    message: str = "Injected by localcloud.faults"
    latency_ms: int = 0
    probability: float = 1.0
    count: int | None = None
    duration_s: float | None = None
    resource: str | None = None
    source: str = "any"
    seed: int | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    hits: int = 0
    created_at: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # chaos draws, not cryptography

    @classmethod
    def from_json(cls, body: Any) -> FaultRule:
        if not isinstance(body, dict):
            raise FaultRuleError("the body must be a JSON object")
        allowed = {
            "service", "operation", "error", "status", "message", "latency_ms", "probability",
            "count", "duration_s", "resource", "source", "seed", "id",
        }  # fmt: skip
        unknown = set(body) - allowed
        if unknown:
            raise FaultRuleError(f"unknown fields: {', '.join(sorted(unknown))}")
        if not isinstance(body.get("service"), str) or not body["service"]:
            raise FaultRuleError("service is required (e.g. 'dynamodb', or '*')")
        try:
            rule = cls(**body)
        except TypeError as exc:
            raise FaultRuleError(str(exc)) from exc
        rule.validate()
        return rule

    def validate(self) -> None:
        if self.error is None and self.latency_ms <= 0:
            raise FaultRuleError("a rule needs an error, a latency_ms, or both")
        if not 0.0 <= float(self.probability) <= 1.0:
            raise FaultRuleError("probability must be within 0..1")
        if not 0 <= int(self.latency_ms) <= MAX_LATENCY_MS:
            raise FaultRuleError(f"latency_ms must be within 0..{MAX_LATENCY_MS}")
        if not 400 <= int(self.status) <= 599:
            raise FaultRuleError("status must be a 4xx or 5xx code")
        if self.count is not None and int(self.count) < 1:
            raise FaultRuleError("count must be at least 1")
        if self.source not in SOURCES:
            raise FaultRuleError(f"source must be one of {', '.join(SOURCES)}")

    def active(self, now: float) -> bool:
        if self.count is not None and self.hits >= self.count:
            return False
        return self.duration_s is None or now < self.created_at + self.duration_s

    def matches(self, service: str, operation: str, internal: bool, request: Any) -> bool:
        if self.service not in ("*", service) or self.operation not in ("*", operation):
            return False
        if self.source != "any" and (self.source == "internal") != internal:
            return False
        return self.resource is None or self.resource in _flatten(request)

    def draw(self) -> bool:
        return self.probability >= 1.0 or self._random.random() < self.probability

    def view(self, now: float) -> dict[str, Any]:
        data = asdict(self)
        data["active"] = self.active(now)
        return data


def _flatten(value: Any) -> str:
    """The parsed request as text, for `resource` matching (names sit at different depths per operation)."""
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


class FaultRegistry:
    """The rules and a short log of what was injected; thread-safe (the gateway serves on many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[str, FaultRule] = {}
        self._log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.total_injected = 0

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules[rule.id] = rule
        LOG.info("fault rule added: %s", rule)
        return rule

    def remove(self, rule_id: str | None = None) -> int:
        with self._lock:
            if rule_id is None:
                removed = len(self._rules)
                self._rules.clear()
                self._log.clear()
                return removed
            return 1 if self._rules.pop(rule_id, None) else 0

    def pick(self, service: str, operation: str, internal: bool, request: Any) -> FaultRule | None:
        """The first active rule that matches and wins its draw; its hit is counted here, atomically."""
        if not self._rules:  # the common case: no chaos, no lock, no cost
            return None
        now = time.time()
        with self._lock:
            for rule in self._rules.values():
                if rule.active(now) and rule.matches(service, operation, internal, request) and rule.draw():
                    rule.hits += 1
                    self.total_injected += 1
                    self._log.append(
                        {
                            "at": now,
                            "rule": rule.id,
                            "service": service,
                            "operation": operation,
                            "internal": internal,
                            "error": rule.error,
                            "latency_ms": rule.latency_ms,
                        }
                    )
                    return rule
        return None

    def snapshot(self) -> dict[str, Any]:
        now = time.time()
        with self._lock:
            return {
                "rules": [rule.view(now) for rule in self._rules.values()],
                "injected": list(self._log),
                "total_injected": self.total_injected,
            }


REGISTRY = FaultRegistry()


def is_internal(context: RequestContext) -> bool:
    """LocalStack's own calls: flagged internal, or served in memory (no client socket behind them)."""
    return bool(context.is_internal_call) or context.request.remote_addr is None


class FaultInjectionHandler:
    """The handler-chain step: applies the first matching rule to a parsed AWS request."""

    def __init__(self, registry: FaultRegistry) -> None:
        self.registry = registry

    def __call__(self, chain: HandlerChain[Any], context: Any, response: ChainResponse) -> None:
        if not self.registry._rules or context.service is None or context.operation is None:
            return
        rule = self.registry.pick(
            context.service.service_name,
            context.operation.name,
            is_internal(context),
            context.service_request,
        )
        if rule is None:
            return
        if rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        if rule.error:
            # Raised inside the chain, so the service's exception serializer writes it in the service's
            # own protocol (JSON for DynamoDB, XML for SNS), exactly as a provider's error would be.
            raise CommonServiceException(
                rule.error, rule.message, status_code=rule.status, sender_fault=rule.status < 500
            )


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def faults_endpoint(request: Request, **_: Any) -> Response:
    if request.method == "GET":
        return _json(REGISTRY.snapshot())
    if request.method == "DELETE":
        return _json({"removed": REGISTRY.remove()})
    try:
        rule = REGISTRY.add(FaultRule.from_json(json.loads(request.get_data() or b"null")))
    except (FaultRuleError, ValueError) as exc:
        return _json({"error": str(exc)}, status=400)
    return _json(rule.view(time.time()), status=201)


def fault_endpoint(request: Request, **params: Any) -> Response:
    removed = REGISTRY.remove(str(params["rule_id"]))
    return _json({"removed": removed}, status=200 if removed else 404)


@hooks.on_infra_start()
def register_fault_handler() -> None:
    """Add the fault step to the gateway's chain and the rules API to the edge router."""
    handlers.serve_custom_service_request_handlers.handlers.insert(0, FaultInjectionHandler(REGISTRY))
    ROUTER.add(FAULTS_PATH, faults_endpoint, methods=["GET", "POST", "DELETE"])
    ROUTER.add(f"{FAULTS_PATH}/<rule_id>", fault_endpoint, methods=["DELETE"])
