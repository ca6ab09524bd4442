"""The ledger service's HTTP app (Chalice app = the Lambda handler behind the gateway).

The routes live in `ledger.routes`, one blueprint per area: each view parses, calls one
`ledger.service` function and responds; `BankApp.route` enforces each route's declared `roles` before
the view runs, and the statement also checks ownership.
"""

from __future__ import annotations

from core.http import BankApp, add_health_routes
from ledger.routes import dlq, staff, statements

app = BankApp("ledger")
add_health_routes(app, "ledger", "/ledger/health")
app.register_blueprint(statements.bp)
app.register_blueprint(staff.bp)
app.register_blueprint(dlq.bp)
