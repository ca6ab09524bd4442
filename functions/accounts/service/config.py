"""The bank's rules a client needs (GET /config), each read from its one owner: loan terms from
`accounts.domain.loans`, account rules from accounts' settings and `AccountType`, transfer limits and
the welcome bonus from payments (its `rules` action, remembered for a minute by the client)."""

from __future__ import annotations

from accounts.clients import payments
from accounts.domain import loans
from accounts.domain.states import AccountType
from accounts.models import AccountRules, BankConfig, LoanRules
from accounts.settings import conf


def bank_config() -> BankConfig:
    from_payments = payments.rules()
    settings = conf()
    return BankConfig(
        transfers=from_payments.transfers,
        loans=LoanRules(
            terms_months=list(loans.TERMS),
            rate_percent=loans.FLAT_RATE_PERCENT,
            min_amount=loans.MIN_AMOUNT,
            max_amount=loans.MAX_AMOUNT,
        ),
        accounts=AccountRules(
            max_open=settings.max_open_accounts,
            types=[kind.value for kind in AccountType],
            welcome_bonus=from_payments.welcome_bonus,
        ),
    )
