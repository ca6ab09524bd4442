"""The ledger service's HTTP routes (Chalice app = the Lambda handler behind the gateway)."""

from core.http import BankApp, add_health_routes

app = BankApp("ledger")
add_health_routes(app, "ledger", "/ledger/health")
