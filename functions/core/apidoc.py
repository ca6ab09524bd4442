"""What a route says about itself for the API document (tools/openapi.py builds OpenAPI 3.1 from it).

Views declare it on `BankApp.route(..., request=Model, response=Model, errors=[...], ...)`; nothing here
runs per request. The gateway decides which routes are public (the template's `Auth: NONE`), so that is
read from the template, not declared twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from core.errors import DomainError
from core.pagination import MAX_LIMIT

JsonSchema = Mapping[str, Any]

LIMIT: JsonSchema = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}
CURSOR: JsonSchema = {"type": "string", "maxLength": 2048, "description": "`next_cursor` of the page before"}
PAGE: Mapping[str, JsonSchema] = {"limit": LIMIT, "cursor": CURSOR}
DOC_KWARGS = (
    "request",
    "response",
    "errors",
    "summary",
    "status",
    "query",
    "roles",
    "idempotent",
    "produces",
    "accepted",
)


@dataclass(frozen=True)
class RouteDoc:
    """The documented contract of one route (path + method)."""

    path: str
    method: str
    view: str
    summary: str = ""
    description: str = ""
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: Sequence[type[DomainError]] = ()
    query: Mapping[str, JsonSchema] = field(default_factory=dict)
    # Roles allowed beyond signing in ("staff" includes admin); empty = any signed-in user. Also the
    # route's authorization rule: `BankApp.route` enforces it before the view runs.
    roles: Sequence[str] = ()
    idempotent: bool = False
    # Extra response media types besides JSON, e.g. {"text/csv": {"type": "string"}}.
    produces: Mapping[str, JsonSchema] = field(default_factory=dict)
    # When the action needs a second staff member: the 202 answer's model (a four-eyes proposal).
    accepted: type[BaseModel] | None = None
