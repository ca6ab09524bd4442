"""REST API Lambda authorizers and gateway responses for LocalStack's next-gen API Gateway.

Community LocalStack stores TOKEN and REQUEST authorizers but lets every request through with
`authorizer: null`, ignores `x-amazon-apigateway-gateway-responses` in an imported OpenAPI body (where SAM
puts `GatewayResponses`), and never applies a gateway response's headers. This module fixes all three the
way AWS behaves:

- a handler in the `preprocess_request` step (after routing, before API keys and the integration) runs the
  method's authorizer and sets `$context.authorizer`, which the Lambda proxy event carries;
- the OpenAPI import also stores the body's gateway responses;
- gateway errors (401, 403, 500, ...) carry the headers their gateway response maps, e.g. CORS headers.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from botocore.exceptions import ClientError
from localstack.aws.api import RequestContext
from localstack.aws.api.apigateway import Authorizer, PutMode
from localstack.runtime import hooks
from localstack.services.apigateway.helpers import get_apigateway_store
from localstack.services.apigateway.legacy import provider
from localstack.services.apigateway.next_gen.execute_api import handlers
from localstack.services.apigateway.next_gen.execute_api.context import (
    InvocationRequest,
    RestApiInvocationContext,
)
from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
    AccessDeniedError,
    AuthorizerConfigurationError,
    BaseGatewayException,
    UnauthorizedError,
    build_gateway_response,
    get_gateway_response_or_default,
)
from localstack.services.apigateway.next_gen.execute_api.handlers.gateway_exception import (
    GatewayExceptionHandler,
)
from localstack.services.apigateway.next_gen.execute_api.handlers.parse import InvocationRequestParser
from localstack.services.apigateway.next_gen.execute_api.header_utils import build_multi_value_headers
from localstack.services.apigateway.next_gen.execute_api.helpers import (
    get_lambda_function_arn_from_invocation_uri,
)
from localstack.services.apigateway.next_gen.execute_api.integrations.aws import get_service_factory
from localstack.services.apigateway.next_gen.execute_api.variables import ContextVariables
from localstack.utils.aws.arns import extract_region_from_arn, get_partition
from localstack.utils.aws.client_types import ServicePrincipal
from localstack.utils.patch import Patch, create_patch_proxy
from moto.apigateway.models import RestAPI as MotoRestAPI
from rolo import Response
from rolo.gateway.chain import HandlerChain

LOG = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 300  # AWS's default when authorizerResultTtlInSeconds is not set
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
NOT_ALLOWED = "User is not authorized to access this resource"
INVOKE_ACTION = "execute-api:Invoke"
OPENAPI_GATEWAY_RESPONSES = "x-amazon-apigateway-gateway-responses"
RESPONSE_HEADER_PREFIX = "gatewayresponse.header."
CACHE_SWEEP_SIZE = 1024


@hooks.on_infra_start()
def register_authorizer_handler() -> None:
    """Install the authorizer step and the two gateway-response fixes before any API is served."""
    handlers.preprocess_request.append(LambdaAuthorizerHandler())
    # The provider module holds its own reference to the helper, so that reference is the one to replace.
    import_spec = provider.import_api_from_openapi_spec
    Patch(
        provider,
        "import_api_from_openapi_spec",
        create_patch_proxy(import_spec, _import_with_gateway_responses),
    ).apply()
    Patch.function(
        GatewayExceptionHandler.create_exception_response, _exception_response_with_headers
    ).apply()
    # A static method: the patch must stay static, or the parser would pass itself as the context.
    parse_context = InvocationRequestParser.create_context_variables
    Patch(
        InvocationRequestParser,
        "create_context_variables",
        staticmethod(create_patch_proxy(parse_context, _context_with_source_ip)),
    ).apply()


def _context_with_source_ip(
    original: Callable[[RestApiInvocationContext], ContextVariables], context: RestApiInvocationContext
) -> ContextVariables:
    """`$context.identity.sourceIp` is the client's address, as on AWS (LocalStack writes 127.0.0.1 for
    every caller), so per-client rate limits and sign-in counters see real clients locally too."""
    variables = original(context)
    identity = variables.get("identity")
    if identity is not None and context.request is not None and context.request.remote_addr:
        identity["sourceIp"] = context.request.remote_addr
    return variables


# --- identity sources and mapping expressions -------------------------------------------------------


def resolve_source(expression: str, context: RestApiInvocationContext) -> str | None:
    """Value of an identity source or gateway-response mapping expression, or None when absent or empty.

    Supports 'static' literals, method.request.{header,querystring,path}.NAME, stageVariables.NAME and
    context.DOTTED.NAME, the forms AWS accepts in both places.
    """
    expression = expression.strip()
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    value: object
    if expression.startswith("context."):
        value = _dotted(context.context_variables or {}, expression.removeprefix("context."))
    else:
        value = _lookup(expression, context)
    return None if value is None or value == "" else str(value)


def _lookup(expression: str, context: RestApiInvocationContext) -> object:
    request = context.invocation_request or InvocationRequest()
    # Headers are werkzeug Headers, so header names match case-insensitively, as on AWS.
    sources: dict[str, Any] = {
        "method.request.header.": request.get("headers") or {},
        "method.request.querystring.": request.get("query_string_parameters") or {},
        "method.request.path.": request.get("path_parameters") or {},
        "stageVariables.": context.stage_variables or {},
    }
    for prefix, values in sources.items():
        if expression.startswith(prefix):
            return values.get(expression.removeprefix(prefix))
    return None


def _dotted(variables: Mapping[str, object], path: str) -> object:
    value: object = variables
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def identity_values(authorizer: Authorizer, context: RestApiInvocationContext) -> tuple[str, ...]:
    """The authorizer's identity source values in order; a missing one is a 401, as on AWS."""
    expressions = [part for part in (authorizer.get("identitySource") or "").split(",") if part.strip()]
    values = tuple(resolve_source(expression, context) for expression in expressions)
    if any(value is None for value in values):
        raise UnauthorizedError("Unauthorized")
    return tuple(str(value) for value in values)


# --- the authorizer event -----------------------------------------------------------------------------


def method_arn(context: RestApiInvocationContext, request: InvocationRequest) -> str:
    """The ARN policies are matched against: the request's own path, not the resource template."""
    return (
        f"arn:{get_partition(context.region)}:execute-api:{context.region}:{context.account_id}:"
        f"{context.api_id}/{context.stage}/{request['http_method']}{request['path']}"
    )


def token_event(token: str, arn: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}


def request_event(context: RestApiInvocationContext, request: InvocationRequest, arn: str) -> dict[str, Any]:
    headers = request["headers"]
    # The authorizer runs before the integration, so $context has no authorizer or error yet.
    request_context = {
        key: value
        for key, value in (context.context_variables or {}).items()
        if key not in ("authorizer", "error")
    }
    return {
        "type": "REQUEST",
        "methodArn": arn,
        "resource": (context.resource or {}).get("path"),
        "path": request["path"],
        "httpMethod": request["http_method"],
        "headers": dict(headers.items()),
        "multiValueHeaders": build_multi_value_headers(headers),
        "queryStringParameters": request["query_string_parameters"],
        "multiValueQueryStringParameters": request["multi_value_query_string_parameters"],
        "pathParameters": request.get("path_parameters") or {},
        "stageVariables": context.stage_variables or {},
        "requestContext": request_context,
    }


# --- calling the function -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizerOutput:
    """What an authorizer returned, kept in the cache; the policy is checked again on every request."""

    principal_id: str
    statements: list[dict[str, Any]]
    context: dict[str, str]


def invoke_authorizer(
    authorizer: Authorizer, context: RestApiInvocationContext, event: dict[str, Any]
) -> AuthorizerOutput:
    """Invoke the function and parse its output; "Unauthorized" raised by it is a 401, anything else wrong
    is AWS's AuthorizerConfigurationError (500, message null)."""
    try:
        function_arn = get_lambda_function_arn_from_invocation_uri(authorizer.get("authorizerUri") or "")
        client = get_service_factory(
            region_name=extract_region_from_arn(function_arn),
            role_arn=authorizer.get("authorizerCredentials"),
        ).lambda_
        source_arn = (
            f"arn:{get_partition(context.region)}:execute-api:{context.region}:{context.account_id}:"
            f"{context.api_id}/authorizers/{authorizer['id']}"
        )
        result = client.request_metadata(
            service_principal=ServicePrincipal.apigateway, source_arn=source_arn
        ).invoke(FunctionName=function_arn, Payload=json.dumps(event), InvocationType="RequestResponse")
    except (ClientError, IndexError) as error:
        LOG.warning("Authorizer %s could not be invoked: %s", authorizer.get("name"), error)
        raise AuthorizerConfigurationError() from error

    payload = result["Payload"].read()
    if result.get("FunctionError"):
        if _error_message(payload) == "Unauthorized":
            raise UnauthorizedError("Unauthorized")
        LOG.info("Authorizer %s failed: %s", authorizer.get("name"), payload[:500])
        raise AuthorizerConfigurationError()
    output = parse_output(payload)
    if output is None:
        LOG.warning("Authorizer %s returned an invalid result: %s", authorizer.get("name"), payload[:500])
        raise AuthorizerConfigurationError()
    return output


def _error_message(payload: bytes) -> str | None:
    try:
        error = json.loads(payload)
    except ValueError:
        return None
    return error.get("errorMessage") if isinstance(error, dict) else None


def parse_output(payload: bytes) -> AuthorizerOutput | None:
    """AWS's rules: principalId and a policyDocument with statements; a flat context of strings, numbers
    and booleans, which reach the integration as strings."""
    try:
        output = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(output, dict) or not isinstance(output.get("principalId"), str | int):
        return None
    policy = output.get("policyDocument")
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(item, dict) for item in statements):
        return None
    raw_context = output.get("context") or {}
    if not isinstance(raw_context, dict) or any(
        isinstance(value, dict | list) for value in raw_context.values()
    ):
        return None
    return AuthorizerOutput(
        principal_id=str(output["principalId"]),
        statements=statements,
        context={key: _stringify(value) for key, value in raw_context.items() if value is not None},
    )


def _stringify(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- the policy ----------------------------------------------------------------------------------------


def check_policy(statements: list[dict[str, Any]], arn: str) -> None:
    """AccessDeniedError unless a statement allows execute-api:Invoke on the ARN and none denies it."""
    allowed = False
    for statement in statements:
        applies = _any_matches(statement.get("Action"), INVOKE_ACTION, ignore_case=True) and _any_matches(
            statement.get("Resource"), arn, ignore_case=False
        )
        if applies and statement.get("Effect") == "Deny":
            raise AccessDeniedError(EXPLICIT_DENY)
        allowed = allowed or (applies and statement.get("Effect") == "Allow")
    if not allowed:
        raise AccessDeniedError(NOT_ALLOWED)


def _any_matches(patterns: object, value: str, *, ignore_case: bool) -> bool:
    """IAM wildcard matching: `*` is any run of characters (slashes too), `?` is one character."""
    candidates = [patterns] if isinstance(patterns, str) else patterns
    if not isinstance(candidates, list):
        return False
    flags = re.IGNORECASE if ignore_case else 0
    return any(
        isinstance(pattern, str) and re.fullmatch(_wildcard_regex(pattern), value, flags) is not None
        for pattern in candidates
    )


def _wildcard_regex(pattern: str) -> str:
    return "".join({"*": ".*", "?": "."}.get(char, re.escape(char)) for char in pattern)


# --- the cache -----------------------------------------------------------------------------------------


class ResultCache:
    """Authorizer outputs per (deployment, authorizer, identity values), kept for the authorizer's TTL."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], tuple[float, AuthorizerOutput]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> AuthorizerOutput | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return None
        return entry[1]

    def put(self, key: tuple[str, ...], output: AuthorizerOutput, ttl: float) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= CACHE_SWEEP_SIZE:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
            self._entries[key] = (now + ttl, output)


# --- the handler ---------------------------------------------------------------------------------------


class LambdaAuthorizerHandler:
    """Runs the method's Lambda authorizer (authorizationType CUSTOM) and sets $context.authorizer."""

    def __init__(self) -> None:
        self.cache = ResultCache()

    def __call__(
        self,
        chain: HandlerChain[RestApiInvocationContext],
        context: RestApiInvocationContext,
        response: Response,
    ) -> None:
        method = context.resource_method or {}
        if method.get("authorizationType") != "CUSTOM":
            return
        # Parsing and routing ran before this step, so these are set.
        request, variables = context.invocation_request, context.context_variables
        assert context.deployment is not None and request is not None and variables is not None
        authorizer = context.deployment.rest_api.authorizers.get(method.get("authorizerId") or "")
        if not _usable(authorizer):
            LOG.warning("Method %s has no usable Lambda authorizer", method.get("httpMethod"))
            raise AuthorizerConfigurationError()

        arn = method_arn(context, request)
        output, latency_ms = self.authorize(authorizer, context, request, arn)
        check_policy(output.statements, arn)
        # REST APIs give the integration the context, principalId and the authorizer's latency in ms.
        variables["authorizer"] = {  # type: ignore[typeddict-item]
            **output.context,
            "principalId": output.principal_id,
            "integrationLatency": latency_ms,
        }

    def authorize(
        self, authorizer: Authorizer, context: RestApiInvocationContext, request: InvocationRequest, arn: str
    ) -> tuple[AuthorizerOutput, int]:
        """The authorizer's output, from the cache when the same identity was authorized within the TTL."""
        identity = identity_values(authorizer, context)
        if authorizer["type"] == "TOKEN":
            validate_token(authorizer, identity[0])
        ttl = authorizer.get("authorizerResultTtlInSeconds")
        ttl = DEFAULT_TTL_SECONDS if ttl is None else int(ttl)
        key = (context.api_id or "", context.deployment_id or "", authorizer.get("id") or "", *identity)
        # Without identity values there is nothing to key on, so AWS does not cache either.
        cacheable = ttl > 0 and bool(identity)
        if cacheable and (cached := self.cache.get(key)) is not None:
            return cached, 0

        event = (
            token_event(identity[0], arn)
            if authorizer["type"] == "TOKEN"
            else request_event(context, request, arn)
        )
        started = time.monotonic()
        output = invoke_authorizer(authorizer, context, event)
        latency_ms = int((time.monotonic() - started) * 1000)
        if cacheable:
            self.cache.put(key, output, ttl)
        return output, latency_ms


def _usable(authorizer: Authorizer | None) -> TypeGuard[Authorizer]:
    """A TOKEN or REQUEST authorizer; a TOKEN one needs its header, which AWS requires on creation."""
    if authorizer is None or authorizer.get("type") not in ("TOKEN", "REQUEST"):
        return False
    return authorizer["type"] == "REQUEST" or bool(authorizer.get("identitySource"))


def validate_token(authorizer: Authorizer, token: str) -> None:
    """A token not fully matching identityValidationExpression is a 401 without calling the function."""
    expression = authorizer.get("identityValidationExpression")
    if expression and re.fullmatch(expression, token) is None:
        raise UnauthorizedError("Unauthorized")


# --- gateway responses ---------------------------------------------------------------------------------


def _import_with_gateway_responses(
    import_spec: Callable[..., tuple[MotoRestAPI, list[str]]],
    rest_api: MotoRestAPI,
    context: RequestContext,
    open_api_spec: dict[str, Any],
    mode: PutMode,
) -> tuple[MotoRestAPI, list[str]]:
    """LocalStack's OpenAPI import, plus the body's x-amazon-apigateway-gateway-responses."""
    rest_api, warnings = import_spec(rest_api, context=context, open_api_spec=open_api_spec, mode=mode)
    container = get_apigateway_store(context=context).rest_apis[rest_api.id]
    for response_type, spec in (open_api_spec.get(OPENAPI_GATEWAY_RESPONSES) or {}).items():
        status_code = spec.get("statusCode")
        container.gateway_responses[response_type] = build_gateway_response(
            response_type,
            status_code=str(status_code) if status_code is not None else None,  # type: ignore[arg-type]
            response_parameters=spec.get("responseParameters") or {},
            response_templates=spec.get("responseTemplates") or {},
            default_response=False,
        )
    return rest_api, warnings


def _exception_response_with_headers(
    create_response: Callable[..., Response],
    handler: GatewayExceptionHandler,
    exception: BaseGatewayException,
    context: RestApiInvocationContext,
) -> Response:
    """LocalStack's gateway error response, plus the gatewayresponse.header.* mappings of its gateway
    response (the API's own, or one derived from its DEFAULT_4XX / DEFAULT_5XX)."""
    response = create_response(handler, exception, context)
    assert context.deployment is not None  # create_response has just read its gateway responses
    gateway_response = get_gateway_response_or_default(
        exception.type, context.deployment.rest_api.gateway_responses
    )
    for key, expression in (gateway_response.get("responseParameters") or {}).items():
        if key.startswith(RESPONSE_HEADER_PREFIX) and (value := resolve_source(expression, context)):
            response.headers[key.removeprefix(RESPONSE_HEADER_PREFIX)] = value
    return response
