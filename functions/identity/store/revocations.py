"""Is an access token's session still alive? Read by the authorizer on every (uncached) decision.

One BatchGetItem reads the user (status, token generation) and the token's session (its refresh family:
revoked or not). The answer is kept in the warm authorizer for CACHE_SECONDS; with the gateway's own
authorizer cache (the template's ReauthorizeEvery) that bounds how long a revoked token still works.
"""

from __future__ import annotations

import time
from typing import Any

from core import aws
from core.dynamo import from_item, to_item

CACHE_SECONDS = 1.0
_cache: dict[tuple[str, str, int], tuple[float, bool]] = {}
CACHE_SIZE = 4096


def alive(users_table: str, sessions_table: str, user_id: str, session_id: str, generation: int) -> bool:
    key = (user_id, session_id, generation)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    answer = _read(users_table, sessions_table, user_id, session_id, generation)
    if len(_cache) >= CACHE_SIZE:
        _cache.clear()
    _cache[key] = (now + CACHE_SECONDS, answer)
    return answer


def _read(users_table: str, sessions_table: str, user_id: str, session_id: str, generation: int) -> bool:
    response = aws.client("dynamodb").batch_get_item(
        RequestItems={
            users_table: {
                "Keys": [to_item({"pk": f"user#{user_id}"})],
                "ProjectionExpression": "#st, token_generation",
                "ExpressionAttributeNames": {"#st": "status"},
                "ConsistentRead": True,
            },
            sessions_table: {
                "Keys": [to_item({"pk": f"family#{session_id}"})],
                "ProjectionExpression": "revoked, user_id",
                "ConsistentRead": True,
            },
        }
    )
    found: dict[str, Any] = response.get("Responses", {})
    user = from_item((found.get(users_table) or [None])[0])
    family = from_item((found.get(sessions_table) or [None])[0])
    if response.get("UnprocessedKeys"):
        return False  # unknown is not alive: the client retries (a 401 is cheap, a leak is not)
    return (
        user is not None
        and user.get("status") == "active"
        and int(user.get("token_generation") or 0) == generation
        and family is not None
        and family.get("user_id") == user_id
        and not family.get("revoked")
    )


def forget() -> None:
    _cache.clear()
