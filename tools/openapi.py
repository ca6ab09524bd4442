"""`make openapi`: the one OpenAPI 3.1 document of the bank's API, generated from the code.

Sources, each written once: the Chalice route tables and their `core.apidoc.RouteDoc` metadata (models,
errors, roles, idempotency), the pydantic models' JSON Schemas, the error catalogue (`core.errors`: one
kind and one title per code), and the template's API events (which function serves a route, which routes
are public). The result is
committed as functions/openapi.json, so the identity function serves it without this generator.

    python -m tools.openapi           # write functions/openapi.json
    python -m tools.openapi --check   # exit 1 if the committed file is stale
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml
from pydantic import BaseModel

from core import errors as core_errors
from core.apidoc import RouteDoc
from core.errors import DomainError
from core.http import BankApp
from core.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, STATUS_BY_KIND

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
OUTPUT = ROOT / "functions" / "openapi.json"
SERVICES = ("identity", "accounts", "payments", "ledger")
REF = "#/components/schemas/{model}"
# The stricter of the services' rules, so a client that follows the document is accepted everywhere.
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "A client-chosen key per logical operation; a retry with the same key and body "
    "returns the first answer (with `Idempotency-Replayed: true`) and never moves money twice. The same "
    "key with a different body is `idempotency_key_reused`.",
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_.:-]{1,64}$"},
    "example": "3f0c1b9e-7d1a-4b8e-9a52-0d9e6f0f6a11",
}
CORRELATION_ID = {
    "name": "X-Correlation-Id",
    "in": "header",
    "required": False,
    "description": "Optional id that follows the request through every service's logs and events "
    "(default: the gateway's request id); echoed in the response.",
    "schema": {"type": "string", "maxLength": 128},
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem document; `code` is stable and machine-readable.",
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "detail": {"type": "string"},
        "correlation_id": {"type": ["string", "null"]},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "type"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
GATEWAY_ERROR_SCHEMA: dict[str, Any] = {
    "title": "GatewayError",
    "description": "Answered by API Gateway itself (no or bad token) before any function runs.",
    "type": "object",
    "properties": {"message": {"type": ["string", "null"]}, "Message": {"type": ["string", "null"]}},
}


@dataclass(frozen=True)
class TemplateRoute:
    path: str
    method: str
    function: str
    public: bool


def template_routes(template: Path = TEMPLATE) -> dict[tuple[str, str], TemplateRoute]:
    """Every `Type: Api` event of every function in the template."""
    resources = cfn_yaml.loads(template.read_text())["Resources"]
    routes: dict[tuple[str, str], TemplateRoute] = {}
    for logical_id, resource in resources.items():
        events = (resource.get("Properties") or {}).get("Events") or {}
        for event in events.values():
            if event.get("Type") != "Api":
                continue
            props = event["Properties"]
            key = (str(props["Path"]), str(props["Method"]).upper())
            public = (props.get("Auth") or {}).get("Authorizer") == "NONE"
            routes[key] = TemplateRoute(key[0], key[1], logical_id, public)
    return routes


def service_apps() -> dict[str, BankApp]:
    import importlib

    return {name: importlib.import_module(f"{name}.app").app for name in SERVICES}


def code_routes(apps: dict[str, BankApp]) -> dict[tuple[str, str], tuple[str, RouteDoc]]:
    """(path, METHOD) → (service, doc) from the Chalice route tables; undocumented routes get a bare doc."""
    found: dict[tuple[str, str], tuple[str, RouteDoc]] = {}
    for service, app in apps.items():
        for path, methods in app.routes.items():
            for method, entry in methods.items():
                doc = app.api_docs.get((path, method)) or RouteDoc(path, method, entry.view_name)
                if (path, method) in found:
                    raise ValueError(f"{method} {path} is served by {found[(path, method)][0]} and {service}")
                found[(path, method)] = (service, doc)
    return found


class Components:
    """components.schemas, with each model's $defs hoisted (a clash of names is an error, not a merge)."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA, "GatewayError": GATEWAY_ERROR_SCHEMA}
        self.examples: dict[str, Any] = {}

    def add(self, name: str, schema: dict[str, Any]) -> None:
        if name in self.schemas and self.schemas[name] != schema:
            raise ValueError(f"Two different schemas are named {name}; rename one of the models")
        self.schemas[name] = schema

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        for name, definition in schema.pop("$defs", {}).items():
            self.add(name, definition)
        self.add(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}


def catalogued(error: type[DomainError]) -> type[DomainError]:
    """The catalogue's entry for a documented error, so every route shows a code with its one title and
    status; an error class that is not the catalogue's (a subclass with its own title, say) is refused."""
    entry = core_errors.catalogue().get(error.code)
    if entry is None or (entry.kind, entry.title) != (error.kind, error.title):
        raise ValueError(f"{error.__qualname__} ({error.code!r}) differs from the error catalogue's entry")
    return entry


def _codes_by_status(doc: RouteDoc, public: bool) -> dict[int, list[type[DomainError]]]:
    """The route's own errors plus the ones its shape implies (auth, body, paging, idempotency)."""
    implied: list[type[DomainError]] = []
    if not public:
        # Signed-in routes may call another service, which can be briefly unavailable.
        implied += [core_errors.Unauthenticated, core_errors.ServiceUnavailable]
    if doc.roles:
        implied.append(core_errors.Forbidden)
    if doc.request is not None:
        implied += [
            core_errors.MalformedJson,
            core_errors.ValidationFailed,
            core_errors.BodyTooLarge,
            core_errors.UnsupportedMediaType,
        ]
    if doc.query:
        implied.append(core_errors.InvalidRequest)
    if "cursor" in doc.query:
        implied.append(core_errors.InvalidCursor)
    if doc.idempotent:
        implied += [
            core_errors.IdempotencyKeyMissing,
            core_errors.InvalidRequest,
            core_errors.IdempotencyKeyReused,
        ]
    grouped: dict[int, list[type[DomainError]]] = {}
    for error in map(catalogued, [*implied, *doc.errors]):
        bucket = grouped.setdefault(STATUS_BY_KIND[error.kind], [])
        if error.code not in {e.code for e in bucket}:
            bucket.append(error)
    return dict(sorted(grouped.items()))


def _problem_example(error: type[DomainError]) -> dict[str, Any]:
    status = STATUS_BY_KIND[error.kind]
    return {
        "type": PROBLEM_TYPE_BASE + error.code,
        "title": error.title,
        "status": status,
        "code": error.code,
    }


def _error_responses(doc: RouteDoc, public: bool, examples: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, found in _codes_by_status(doc, public).items():
        codes = [error.code for error in found]
        for error in found:
            examples[error.code] = {"summary": error.title, "value": _problem_example(error)}
        content: dict[str, Any] = {
            PROBLEM_CONTENT_TYPE: {
                "schema": {
                    "allOf": [
                        {"$ref": REF.format(model="Problem")},
                        {"properties": {"code": {"enum": codes}, "status": {"const": status}}},
                    ]
                },
                "examples": {error.code: {"$ref": f"#/components/examples/{error.code}"} for error in found},
            }
        }
        if status in (401, 403) and not public:
            content["application/json"] = {"schema": {"$ref": REF.format(model="GatewayError")}}
        responses[str(status)] = {"description": " / ".join(codes), "content": content}
    responses["500"] = {
        "description": "internal_error: a bug on our side; `correlation_id` finds the log lines",
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": REF.format(model="Problem")}}},
    }
    return responses


def _operation(
    service: str, doc: RouteDoc, route: TemplateRoute | None, components: Components
) -> dict[str, Any]:
    public = bool(route and route.public)
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in re.findall(r"{(\w+)}", doc.path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": dict(schema)}
        for name, schema in doc.query.items()
    ]
    if doc.idempotent:
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    parameters.append({"$ref": "#/components/parameters/CorrelationId"})
    operation: dict[str, Any] = {
        "operationId": f"{service}_{doc.view}",
        "tags": [service],
        "summary": doc.summary or doc.view.replace("_", " "),
        "parameters": parameters,
        "security": [] if public else [{"bearerAuth": []}],
        "x-function": route.function if route else None,
    }
    if doc.description and doc.description != doc.summary:
        operation["description"] = doc.description
    if doc.roles:
        operation["x-roles"] = list(doc.roles)
    if doc.request is not None:
        body_required = bool(doc.request.model_json_schema().get("required"))
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": components.ref(doc.request, "validation")}},
        }
    success: dict[str, Any] = {"description": "OK" if doc.status < 300 else "Done"}
    if doc.status != 204:
        schema: dict[str, Any] = (
            components.ref(doc.response, "serialization") if doc.response else {"type": "object"}
        )
        success["content"] = {"application/json": {"schema": schema}}
        for media_type, extra in doc.produces.items():
            success["content"][media_type] = {"schema": dict(extra)}
    if doc.idempotent:
        success["headers"] = {
            "Idempotency-Replayed": {
                "description": "`true` when this is the stored answer to an earlier request with the key",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    responses: dict[str, Any] = {str(doc.status): success}
    if doc.accepted is not None:
        responses["202"] = {
            "description": "Proposed: a second staff member must approve it (four eyes)",
            "content": {"application/json": {"schema": components.ref(doc.accepted, "serialization")}},
        }
    operation["responses"] = {**responses, **_error_responses(doc, public, components.examples)}
    return operation


def build(apps: dict[str, BankApp] | None = None, template: Path = TEMPLATE) -> dict[str, Any]:
    """The document: every route the code serves, in path order."""
    served = code_routes(service_apps() if apps is None else apps)
    gateway = template_routes(template)
    components = Components()
    paths: dict[str, dict[str, Any]] = {}
    for path, method in sorted(served):
        service, doc = served[(path, method)]
        paths.setdefault(path, {})[method.lower()] = _operation(
            service, doc, gateway.get((path, method)), components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Arhan Financial API",
            "version": "1.0.0",
            "description": "The core bank's HTTP API. Money is always integer kobo (1 NGN = 100 kobo). "
            "Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`. "
            "Sign in with `POST /auth/login` and send `Authorization: Bearer <access_token>`. A customer "
            "asking for another customer's resource gets 404, never 403. Generated by tools/openapi.py "
            "from the code; do not edit by hand.",
        },
        "tags": [{"name": service} for service in SERVICES],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "EdDSA access token from /auth/login, checked by the gateway's authorizer",
                }
            },
            "parameters": {"IdempotencyKey": IDEMPOTENCY_KEY, "CorrelationId": CORRELATION_ID},
            "examples": dict(sorted(components.examples.items())),
            "schemas": dict(sorted(components.schemas.items())),
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def operations(document: dict[str, Any]) -> Iterable[tuple[str, str]]:
    for path, methods in document["paths"].items():
        for method in methods:
            yield path, method.upper()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make openapi")
    parser.add_argument("--check", action="store_true", help="fail if functions/openapi.json is stale")
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != text:
            print("functions/openapi.json is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({sum(1 for _ in operations(json.loads(text)))} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
