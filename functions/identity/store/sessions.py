"""The refresh-tokens table: token items (hashed) and family items."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from core import aws
from core.dynamo import condition_failed, failed_items
from core.ids import new_id
from identity.domain.errors import InvalidRefreshToken, RefreshTokenReused
from identity.domain.sessions import (
    FAMILY_SECONDS,
    Family,
    RefreshRecord,
    TokenState,
    hash_token,
    new_refresh_token,
)
from identity.store.models import FamilyModel, RefreshTokenModel

# Rows outlive their expiry by a day so that a late replay is still recognised as one, then DynamoDB
# deletes them (TTL).
TTL_GRACE_SECONDS = 24 * 3600


def _token_key(token_hash: str) -> str:
    return f"token#{token_hash}"


def _family_key(family_id: str) -> str:
    return f"family#{family_id}"


def _token_item(token_hash: str, family: Family, *, issued_at: str) -> RefreshTokenModel:
    return RefreshTokenModel(
        _token_key(token_hash),
        family_id=family.family_id,
        user_id=family.user_id,
        state=TokenState.ACTIVE.value,
        expires_at=family.expires_at,
        issued_at=issued_at,
        expires_ttl=family.expires_at + TTL_GRACE_SECONDS,
    )


def start_family(user_id: str, generation: int, *, now: int, now_iso: str) -> tuple[str, str]:
    """A new sign-in: a family and its first refresh token. → (family id, the token in clear; it is
    stored hashed). The family id is the session id access tokens carry."""
    family = Family(
        family_id=new_id("fam"),
        user_id=user_id,
        generation=generation,
        revoked=False,
        expires_at=now + FAMILY_SECONDS,
    )
    token = new_refresh_token()
    with aws.transaction() as transaction:
        transaction.save(
            FamilyModel(
                _family_key(family.family_id),
                user_id=user_id,
                generation=generation,
                revoked=False,
                expires_at=family.expires_at,
                created_at=now_iso,
                expires_ttl=family.expires_at + TTL_GRACE_SECONDS,
            ),
            condition=FamilyModel.pk.does_not_exist(),
        )
        transaction.save(
            _token_item(hash_token(token), family, issued_at=now_iso),
            condition=RefreshTokenModel.pk.does_not_exist(),
        )
    return family.family_id, token


def get_token(token_hash: str) -> RefreshRecord | None:
    try:
        item = RefreshTokenModel.get(_token_key(token_hash), consistent_read=True)
    except DoesNotExist:
        return None
    return RefreshRecord(
        token_hash=token_hash,
        family_id=item.family_id,
        user_id=item.user_id,
        state=TokenState(item.state),
        expires_at=int(item.expires_at),
    )


def get_family(family_id: str) -> Family | None:
    try:
        item = FamilyModel.get(_family_key(family_id), consistent_read=True)
    except DoesNotExist:
        return None
    return Family(
        family_id=family_id,
        user_id=item.user_id,
        generation=int(item.generation),
        revoked=bool(item.revoked),
        expires_at=int(item.expires_at),
    )


def rotate(record: RefreshRecord, family: Family, *, now_iso: str) -> str:
    """Mark the presented token used and issue its successor, atomically, only if it is still active and
    the family not revoked. Losing the race to a concurrent use of the same token counts as reuse."""
    token = new_refresh_token()
    try:
        with aws.transaction() as transaction:
            transaction.update(
                RefreshTokenModel(_token_key(record.token_hash)),
                actions=[
                    RefreshTokenModel.state.set(TokenState.USED.value),
                    RefreshTokenModel.used_at.set(now_iso),
                ],
                condition=RefreshTokenModel.state == TokenState.ACTIVE.value,
            )
            transaction.condition_check(
                FamilyModel,
                _family_key(family.family_id),
                condition=FamilyModel.revoked == False,  # noqa: E712
            )
            transaction.save(
                _token_item(hash_token(token), family, issued_at=now_iso),
                condition=RefreshTokenModel.pk.does_not_exist(),
            )
    except TransactWriteError as error:
        # Items go as: family check (0), put of the successor (1), update of the presented token (2).
        failed = failed_items(error)
        if 2 in failed:
            revoke_family(family.family_id, reason="reuse")
            raise RefreshTokenReused() from error
        if 0 in failed:
            raise InvalidRefreshToken() from error
        raise
    return token


def revoke_family(family_id: str, *, reason: str) -> None:
    try:
        FamilyModel(_family_key(family_id)).update(
            actions=[FamilyModel.revoked.set(True), FamilyModel.revoked_reason.set(reason)],
            condition=FamilyModel.pk.exists(),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
