"""The identity service's typed errors; each has a stable `code` clients can rely on."""

from __future__ import annotations

from core.errors import DomainError, ErrorKind


class WeakPassword(DomainError):
    code = "weak_password"
    kind = ErrorKind.INVALID
    title = "The password does not meet the password policy"


class UsernameTaken(DomainError):
    code = "username_taken"
    kind = ErrorKind.CONFLICT
    title = "This username is already taken"


class EmailTaken(DomainError):
    code = "email_taken"
    kind = ErrorKind.CONFLICT
    title = "This email address is already registered"


class InvalidCredentials(DomainError):
    """One error for an unknown user and a wrong password, so usernames cannot be probed."""

    code = "invalid_credentials"
    kind = ErrorKind.UNAUTHENTICATED
    title = "The username or password is wrong"


class AccountLocked(DomainError):
    code = "account_locked"
    kind = ErrorKind.LOCKED
    title = "Too many failed sign-in attempts; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Sign-in is locked for {retry_after} more seconds", retry_after_seconds=retry_after)
        self.retry_after = retry_after


class SignInSlowed(DomainError):
    """Many clients failed on this username lately: one attempt per few seconds, from anywhere."""

    code = "sign_in_slowed"
    kind = ErrorKind.RATE_LIMITED
    title = "Too many failed sign-ins for this user from many places; wait a few seconds"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Try again in {retry_after} seconds", retry_after_seconds=retry_after)


class AccountDisabled(DomainError):
    code = "account_disabled"
    kind = ErrorKind.FORBIDDEN
    title = "This account is disabled"


class InvalidRefreshToken(DomainError):
    code = "invalid_refresh_token"
    kind = ErrorKind.UNAUTHENTICATED
    title = "The refresh token is invalid, expired or revoked; sign in again"


class RefreshTokenReused(DomainError):
    """A rotated token came back: someone holds a stolen copy, so the whole session family dies."""

    code = "refresh_token_reused"
    kind = ErrorKind.UNAUTHENTICATED
    title = "This refresh token was already used; the session has been revoked, sign in again"


class InvalidAccessToken(DomainError):
    code = "invalid_access_token"
    kind = ErrorKind.UNAUTHENTICATED
    title = "The access token is invalid"


class UnknownSigningKey(InvalidAccessToken):
    """The token names a `kid` we do not know (yet): the key ring may be stale after a rotation."""


class UserNotFound(DomainError):
    code = "user_not_found"
    kind = ErrorKind.NOT_FOUND
    title = "No such user"


class CannotDisableSelf(DomainError):
    code = "cannot_disable_self"
    kind = ErrorKind.UNPROCESSABLE
    title = "An admin cannot disable their own account"


class SigningKeysInvalid(DomainError):
    """The signing-keys secret does not follow the contract; an operator must fix it."""

    code = "signing_keys_invalid"
    kind = ErrorKind.UNAVAILABLE
    title = "The token signing keys are not usable"
