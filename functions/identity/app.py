"""The identity service's HTTP routes (Chalice app = the Lambda handler behind the gateway)."""

from core.http import BankApp, add_health_routes

app = BankApp("identity")
add_health_routes(app, "identity", "/health", "/identity/health")
