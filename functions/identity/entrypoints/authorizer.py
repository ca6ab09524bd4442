"""The API Gateway TOKEN authorizer: verifies the access token, checks that its session is still alive,
and allows the whole API for its subject.

The policy allows every route of the stage, `arn:...:{api}/{stage}/*/*` (not only the method ARN asked
about), because the gateway caches the answer per token (the template's ReauthorizeEvery, a few seconds)
and reuses it on every route; each route then checks the role it needs itself. A token whose user was
disabled, whose password changed, or whose session was logged out is refused here
(identity.store.revocations), so it stops working within seconds. Any refused token raises exactly
`Exception("Unauthorized")`, which the gateway answers with 401. The authorizer reads only the public
keys' secret.

The answer is the documented authorizer output written as a dict, the one statement Powertools'
`APIGatewayAuthorizerResponse` would build (tests/unit/identity compares the two): importing any
Powertools data class imports all of them, a cost this function's cold start does not need to pay
(decision 0045).
"""

from __future__ import annotations

from typing import Any

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


def api_wide_resource(method_arn: str) -> str:
    """Every route of the API and stage of `arn:aws:execute-api:region:account:api/stage/VERB/path`:
    `arn:aws:execute-api:region:account:api/stage/*/*`. Anything else is refused."""
    arn = method_arn.split(":")
    route = arn[5].split("/") if len(arn) > 5 else []
    if len(route) < 3:
        raise Exception("Unauthorized")
    partition, region, account, api_id, stage = arn[1], arn[3], arn[4], route[0], route[1]
    return f"arn:{partition}:execute-api:{region}:{account}:{api_id}/{stage}/*/*"


def policy(claims: AccessClaims, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": claims.sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": [api_wide_resource(method_arn)],
                }
            ],
        },
        # Context values must be strings, numbers or booleans; handlers read them as the Principal.
        "context": {
            "sub": claims.sub,
            "role": claims.role.value,
            "username": claims.username,
            "pcr": claims.pcr,
            "cby": claims.cby or "",
        },
    }
