"""The bank's rules for clients: public, so the site can show them before anyone signs in."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from accounts.models import BankConfig
from accounts.service import config as service
from core.errors import ServiceUnavailable
from core.http import BankBlueprint, model_response

bp = BankBlueprint(__name__)


@bp.route(
    "/config",
    methods=["GET"],
    response=BankConfig,
    errors=[ServiceUnavailable],
    open_before_password_change=True,
)
def bank_config() -> Response:
    """The bank's rules a client needs: transfer limits, loan terms, account rules (money in kobo).

    Public: no sign-in. Each value is the one the bank enforces, read from the rule's owner, so a client
    never keeps its own copy."""
    # Public and the same for everyone: browsers and any cache in front may keep it for a minute.
    return model_response(service.bank_config(), headers={"Cache-Control": "public, max-age=60"})
