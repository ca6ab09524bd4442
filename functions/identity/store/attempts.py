"""The login-attempts table: failed sign-ins per username, for the lockout rule."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from core.errors import ServiceUnavailable
from identity.domain import lockout
from identity.domain.lockout import AttemptState
from identity.store.models import LoginAttemptModel

MAX_RETRIES = 5


def _load(key: str) -> LoginAttemptModel | None:
    try:
        return LoginAttemptModel.get(key, consistent_read=True)
    except DoesNotExist:
        return None


def _state(item: LoginAttemptModel | None) -> AttemptState | None:
    if item is None:
        return None
    return AttemptState(
        failures=int(item.failures),
        window_ends_at=int(item.window_ends_at),
        locked_until=int(item.locked_until),
    )


def get(key: str) -> AttemptState | None:
    return _state(_load(key))


def record_failure(key: str, *, now: int) -> AttemptState:
    """Count one failure. Read-modify-write guarded by the item's version, retried when concurrent
    failures race, so that parallel guesses cannot slip past the count."""
    for _ in range(MAX_RETRIES):
        item = _load(key) or LoginAttemptModel(key)
        state = lockout.after_failure(_state(item) if item.version else None, now)
        item.failures = state.failures
        item.window_ends_at = state.window_ends_at
        item.locked_until = state.locked_until
        item.expires_ttl = state.expires_at
        try:
            item.save()
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                continue
            raise
        return state
    raise ServiceUnavailable("The sign-in attempt counter is busy; try again")


def clear(key: str) -> None:
    try:
        LoginAttemptModel(key).delete(add_version_condition=False)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
