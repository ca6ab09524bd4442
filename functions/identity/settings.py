"""The identity service's configuration (environment, read once per cold start via core.config)."""

from __future__ import annotations

from core.config import EnvSettings


class TokenSettings(EnvSettings):
    """What both the authorizer and the identity function need to sign or verify access tokens."""

    secret_prefix: str
    jwt_issuer: str = "https://identity.arhan.financial"
    jwt_audience: str = "arhan-bank-api"

    @property
    def signing_keys_secret(self) -> str:
        return f"{self.secret_prefix}/identity/signing-keys"

    @property
    def first_admin_secret(self) -> str:
        return f"{self.secret_prefix}/identity/first-admin"


class IdentitySettings(TokenSettings):
    identity_users_table: str
    identity_refresh_tokens_table: str
    identity_login_attempts_table: str
    events_topic_arn: str = ""
