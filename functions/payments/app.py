"""The payments service's HTTP routes (Chalice app = the Lambda handler behind the gateway)."""

from core.http import BankApp, add_health_routes

app = BankApp("payments")
add_health_routes(app, "payments", "/payments/health")
