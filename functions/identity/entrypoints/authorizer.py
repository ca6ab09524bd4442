"""The API Gateway TOKEN authorizer: verifies the access token, checks that its session is still alive,
and allows the whole API for its subject.

The policy (Powertools' `APIGatewayAuthorizerResponse`) allows every route of the stage,
`arn:...:{api}/{stage}/*/*` (not only the method ARN asked about), because the gateway caches the answer
per token (the template's ReauthorizeEvery, a few seconds) and reuses it on every route; each route then
checks the role it needs itself. A token whose user was disabled, whose password changed, or whose
session was logged out is refused here (identity.store.revocations), so it stops working within seconds.
Any refused token raises exactly `Exception("Unauthorized")`, which the gateway answers with 401. The
authorizer reads only the public keys' secret.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    APIGatewayRouteArn,
    parse_api_gateway_arn,
)

from core.observability import logger, metrics
from identity.domain.errors import InvalidAccessToken, UnknownSigningKey
from identity.domain.tokens import AccessClaims, verify_access_token
from identity.settings import token_conf
from identity.store import keys, revocations

BEARER = "bearer"


@logger.inject_lambda_context
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = _bearer_token(event.get("authorizationToken"))
    if token is None:
        raise Exception("Unauthorized")
    try:
        claims = _verify(token)
    except InvalidAccessToken as error:
        logger.info("Token refused", extra={"reason": error.detail})
        raise Exception("Unauthorized") from None
    cfg = token_conf()
    if not revocations.alive(
        cfg.identity_users_table, cfg.identity_refresh_tokens_table, claims.sub, claims.sid, claims.gen
    ):
        logger.info("Token refused", extra={"reason": "session ended", "sub": claims.sub})
        raise Exception("Unauthorized")
    return policy(claims, str(event.get("methodArn", "")))


def _verify(token: str) -> AccessClaims:
    cfg = token_conf()
    ring = keys.key_ring(cfg.public_keys_secret, with_private=False)
    try:
        return verify_access_token(token, ring.public_keys, issuer=cfg.jwt_issuer, audience=cfg.jwt_audience)
    except UnknownSigningKey:
        fresh = keys.refreshed_key_ring(cfg.public_keys_secret, with_private=False)
        if fresh is None:
            raise
        return verify_access_token(token, fresh.public_keys, issuer=cfg.jwt_issuer, audience=cfg.jwt_audience)


def _bearer_token(header: Any) -> str | None:
    if not isinstance(header, str):
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not token or " " in token:
        return None
    return token


def api_wide_resource(method_arn: str) -> APIGatewayRouteArn:
    """The API and stage of `arn:aws:execute-api:region:account:api/stage/VERB/path`: the policy covers
    all of it. Anything else is refused."""
    try:
        return parse_api_gateway_arn(method_arn)
    except IndexError:
        raise Exception("Unauthorized") from None


def policy(claims: AccessClaims, method_arn: str) -> dict[str, Any]:
    route = api_wide_resource(method_arn)
    response = APIGatewayAuthorizerResponse(
        principal_id=claims.sub,
        region=route.region,
        aws_account_id=route.aws_account_id,
        api_id=route.api_id,
        stage=route.stage,
        partition=route.partition,
        # Context values must be strings, numbers or booleans; handlers read them as the Principal.
        context={
            "sub": claims.sub,
            "role": claims.role.value,
            "username": claims.username,
            "pcr": claims.pcr,
            "cby": claims.cby or "",
        },
    )
    response.allow_all_routes()
    return response.asdict()
