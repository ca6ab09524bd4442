"""The accounts service's HTTP routes (Chalice app = the Lambda handler behind the gateway).

Routes live in `accounts.handlers.*` and register themselves on this app when imported below.
"""

from core.http import BankApp, add_health_routes

app = BankApp("accounts")
add_health_routes(app, "accounts", "/accounts/health")

from accounts.handlers import (  # noqa: E402  (the route modules need `app` to exist)
    account_routes,
    card_routes,
    loan_routes,
    staff_routes,
    ticket_routes,
)

__all__ = ["account_routes", "app", "card_routes", "loan_routes", "staff_routes", "ticket_routes"]
