"""The identity service's Chalice app (the Lambda handler behind the gateway): its routes live in
`identity.routes`, one blueprint per area."""

from __future__ import annotations

from core.http import BankApp, add_health_routes
from identity.routes import docs, sessions, staff, users

app = BankApp("identity")
add_health_routes(app, "identity", "/health", "/identity/health")
app.register_blueprint(sessions.bp)
app.register_blueprint(users.bp)
app.register_blueprint(staff.bp)
app.register_blueprint(docs.bp)
