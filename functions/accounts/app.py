"""The accounts service's HTTP routes (Chalice app = the Lambda handler behind the gateway)."""

from core.http import BankApp, add_health_routes

app = BankApp("accounts")
add_health_routes(app, "accounts", "/accounts/health")
