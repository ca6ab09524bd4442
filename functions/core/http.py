"""HTTP plumbing for every service's Chalice app: problem documents, body parsing, principals, headers.

`BankApp.route` wraps each view so that the route's declared `roles` are enforced before the view runs
(403 `forbidden`, or 401 without a signed-in caller) and a `DomainError` or a pydantic `ValidationError`
becomes a problem document, and the middleware gives every response the same headers and turns anything
unexpected into a 500 problem that carries the correlation id (never a stack trace).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from chalice import Blueprint, Chalice, Response  # type: ignore[attr-defined]
from chalice.app import Request
from pydantic import BaseModel, ValidationError

from core import problems
from core.apidoc import DOC_KWARGS, RouteDoc
from core.auth import Principal, Role, principal_from_authorizer
from core.config import EnvSettings, settings
from core.dynamo import busy
from core.errors import (
    BodyTooLarge,
    DomainError,
    MalformedJson,
    NotFound,
    PasswordChangePending,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from core.observability import logger, metrics

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024
MAX_PATH_PARAMETER = 256
SECURITY_HEADERS = {
    "Access-Control-Expose-Headers": "X-Correlation-Id, Idempotency-Replayed, Retry-After",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class HttpSettings(EnvSettings):
    # The site's origin (the template's AllowedOrigin): the only one a browser may call the API from.
    allowed_origin: str = "*"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body, status_code=status, headers={"Content-Type": "application/json", **(headers or {})}
    )


def model_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None, *, omit_unset: bool = False
) -> Response:
    """A typed result (a response model) as the JSON body: routes serialise, services return models.
    `omit_unset` leaves out the optional fields the service never set (a key some items do not carry)."""
    return json_response(model.model_dump(mode="json", exclude_unset=omit_unset), status, headers)


def problem_response(document: dict[str, Any]) -> Response:
    headers: dict[str, str | list[str]] = {"Content-Type": problems.PROBLEM_CONTENT_TYPE}
    if "retry_after_seconds" in document:
        # 423 and 429 tell when to come back (RFC 9110), which a problem document alone cannot.
        headers["Retry-After"] = str(document["retry_after_seconds"])
    return Response(body=document, status_code=int(document["status"]), headers=headers)


def validation_problem(error: ValidationError) -> dict[str, Any]:
    # include_input=False: a rejected password or PIN must never be echoed back or logged.
    fields = [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "body",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_input=False, include_url=False, include_context=False)
    ]
    return problems.from_error(ValidationFailed(errors=fields))


class BankRoutes:
    """What `BankApp` and `BankBlueprint` share: `route` with roles, docs and problem documents, and
    the request helpers views call instead of touching the raw event."""

    api_docs: dict[tuple[str, str], RouteDoc]

    def route(self, path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Chalice's route, plus optional documentation kwargs (see `core.apidoc.RouteDoc`).

        `roles` is also the route's authorization rule, enforced here before the view runs: the caller
        must be signed in and hold one of the roles (admins pass every staff route; see
        `Principal.require`). Views check ownership themselves, never the role again. A caller who
        must change their password first reaches only routes marked `open_before_password_change`."""
        doc = {name: kwargs.pop(name) for name in DOC_KWARGS if name in kwargs}
        required = declared_roles(path, doc.get("roles", ()))
        open_before_password_change = bool(kwargs.pop("open_before_password_change", False))
        kwargs.setdefault("content_types", ["*/*"])
        register = super().route(path, **kwargs)  # type: ignore[misc]

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            text = (view.__doc__ or "").strip()
            for method in kwargs.get("methods", ["GET"]):
                self.api_docs[(path, method.upper())] = RouteDoc(
                    path=path,
                    method=method.upper(),
                    view=kwargs.get("name") or view.__name__,
                    description=text,
                    **{"summary": text.split("\n")[0] if text else "", **doc},
                )

            @functools.wraps(view)
            def guarded(**params: Any) -> Any:
                try:
                    if any(len(value) > MAX_PATH_PARAMETER for value in params.values()):
                        raise NotFound()  # longer than any id, and than a DynamoDB key may be
                    if required:
                        self.principal().require(*required)
                    if not open_before_password_change and self._password_change_pending():
                        raise PasswordChangePending()
                    return view(**params)
                except DomainError as error:
                    return problem_response(problems.from_error(error))
                except ValidationError as error:
                    return problem_response(validation_problem(error))
                except Exception as error:
                    if not busy(error):
                        raise
                    # DynamoDB throttled past the SDK's own retries: the client may retry (AWS's advice).
                    logger.warning("DynamoDB busy", exc_info=True)
                    return problem_response(problems.from_error(ServiceUnavailable(retry_after_seconds=1)))

            register(guarded)
            return view

        return decorator

    @property
    def request(self) -> Request:
        current: Request | None = self.current_request  # type: ignore[attr-defined]
        assert current is not None
        return current

    def principal(self) -> Principal:
        return principal_from_authorizer(self.request.context.get("authorizer"))

    def _password_change_pending(self) -> bool:
        context = self.request.context.get("authorizer")
        return bool(context) and principal_from_authorizer(context).password_change_required

    def client_ip(self) -> str:
        """The caller's address as the gateway saw it (never a header the client could forge)."""
        return str((self.request.context.get("identity") or {}).get("sourceIp") or "unknown")

    def body(self, model: type[ModelT]) -> ModelT:
        return parse_body(self.request, model)

    def query(self, name: str) -> str | None:
        params = self.request.query_params
        value = params.get(name) if params else None
        return str(value) if value is not None else None

    def header(self, name: str) -> str | None:
        value = self.request.headers.get(name)
        return str(value) if value is not None else None


class BankApp(BankRoutes, Chalice):
    """A Chalice app whose routes speak problem documents and accept any content type at the door
    (the body parser answers a wrong one with a 415 problem instead of Chalice's own format).
    `app.py` creates one and registers the service's blueprints; the routes live in `routes/`."""

    def __init__(self, app_name: str) -> None:
        # Logging is Powertools'; Chalice would set the same-named logger to ERROR and add a handler.
        super().__init__(app_name=app_name, configure_logs=False)
        self.register_middleware(_http_middleware, "http")
        # (path, METHOD) → the route's documented contract, read by tools/openapi.py.
        self.api_docs = {}

    def register_blueprint(
        self, blueprint: Blueprint, name_prefix: str | None = None, url_prefix: str | None = None
    ) -> None:
        super().register_blueprint(blueprint, name_prefix=name_prefix, url_prefix=url_prefix)
        if isinstance(blueprint, BankBlueprint):
            for (path, method), doc in blueprint.api_docs.items():
                full = f"{url_prefix or ''}{path}"
                self.api_docs[(full, method)] = doc if full == path else replace(doc, path=full)


class BankBlueprint(BankRoutes, Blueprint):
    """One area's routes (`routes/<area>.py`), with the same `roles=`, `request=`, `errors=` and
    helpers as `BankApp`; `app.py` registers it."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.api_docs = {}


def declared_roles(path: str, roles: Sequence[str]) -> tuple[Role, ...]:
    """A route's `roles` as `Role`s; an unknown one fails when the route is declared (at import)."""
    if isinstance(roles, str):
        raise TypeError(f"Route {path}: roles must be a list of role names, not the string {roles!r}")
    known = {role.value for role in Role}
    unknown = [name for name in roles if name not in known]
    if unknown:
        raise ValueError(f"Route {path}: unknown role(s) {unknown}; known roles are {sorted(known)}")
    return tuple(Role(name) for name in roles)


def parse_body[ModelT: BaseModel](request: Request, model: type[ModelT]) -> ModelT:
    """JSON body → model, with every failure a 4xx problem (media type, size, syntax, depth, fields)."""
    content_type = (request.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType()
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"The body must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedJson() from exc
    if not isinstance(data, dict):
        raise MalformedJson("The body must be a JSON object")
    return model.model_validate(data)


def correlation_id_of(event: Any) -> str:
    headers = {str(k).lower(): v for k, v in ((event.headers or {}) if event else {}).items()}
    context = (event.context or {}) if event else {}
    return str(headers.get("x-correlation-id") or context.get("requestId") or "")


def _http_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    correlation_id = correlation_id_of(event)
    logger.append_keys(correlation_id=correlation_id)
    started = time.monotonic()
    try:
        response = get_response(event)
    except Exception:
        logger.exception("Unhandled error")
        response = problem_response(problems.internal_error(correlation_id))
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
    response = _as_problem_if_framework_error(response, correlation_id)
    # One structured line per request: `make logs CORRELATION=<id>` starts a request's path here.
    logger.info(
        "Request",
        extra={
            "method": getattr(event, "method", ""),
            "route": getattr(event, "path", ""),
            "status": response.status_code,
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
        },
    )
    headers = {
        **SECURITY_HEADERS,
        "Access-Control-Allow-Origin": settings(HttpSettings).allowed_origin,
        "X-Correlation-Id": correlation_id,
    }
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


def _as_problem_if_framework_error(response: Response, correlation_id: str) -> Response:
    """Chalice's own errors ({"Code","Message"}) become problem documents, so clients see one format."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    if response.status_code >= 500:
        return problem_response(problems.internal_error(correlation_id))
    code = {405: "method_not_allowed", 415: "unsupported_media_type"}.get(response.status_code, "bad_request")
    document = problems.problem_document(
        code=code, title=str(body.get("Message") or "Bad request"), status=response.status_code
    )
    return problem_response(document)


def add_health_routes(app: BankRoutes, service: str, *paths: str) -> None:
    """`GET <path>` → 200 {"status": "ok", "service": ...}; public, used by `make up` and monitors."""

    def health() -> Response:
        """Liveness probe: 200 {"status": "ok", "service": ...}."""
        return json_response({"status": "ok", "service": service})

    for path in paths:
        app.route(path, methods=["GET"], name=f"health_{path.strip('/').replace('/', '_') or 'root'}")(health)
