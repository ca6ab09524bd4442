"""The identity service's configuration (environment, read once per cold start via core.config).

`conf()` is the identity function's; `token_conf()` is the authorizer's (it has only the token settings).
"""

from __future__ import annotations

from pydantic import Field

from core.config import EnvSettings, settings


class TokenSettings(EnvSettings):
    """What both the authorizer and the identity function need to sign or verify access tokens."""

    secret_prefix: str
    jwt_issuer: str = "https://identity.arhan.financial"
    jwt_audience: str = "arhan-bank-api"
    # The authorizer checks each token's session and generation against these (revocation).
    identity_users_table: str = ""
    identity_refresh_tokens_table: str = ""

    @property
    def signing_keys_secret(self) -> str:
        return f"{self.secret_prefix}/identity/signing-keys"

    @property
    def public_keys_secret(self) -> str:
        """The public halves only: all the authorizer may read (the private key signs, in identity)."""
        return f"{self.secret_prefix}/identity/signing-keys-public"

    @property
    def first_admin_secret(self) -> str:
        return f"{self.secret_prefix}/identity/first-admin"


class IdentitySettings(TokenSettings):
    identity_users_table: str
    identity_refresh_tokens_table: str
    identity_login_attempts_table: str
    events_topic_arn: str = ""
    # Per client address (the gateway's sourceIp), whatever the username: identity.store.attempts.
    sign_in_rate_per_minute: int = Field(default=60, gt=0)
    register_rate_per_minute: int = Field(default=20, gt=0)


def conf() -> IdentitySettings:
    current: IdentitySettings = settings(IdentitySettings)  # @cache erases the generic return type
    return current


def token_conf() -> TokenSettings:
    """What the authorizer reads (its function has no login-attempts table, so not `conf()`)."""
    current: TokenSettings = settings(TokenSettings)
    return current
