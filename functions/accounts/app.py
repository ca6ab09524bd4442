"""The accounts service's HTTP routes (Chalice app = the Lambda handler behind the gateway).

The routes live in `accounts.routes.*`, one blueprint per area, registered here.
"""

from accounts.routes import accounts, cards, config, loans, staff, tickets
from core.http import BankApp, add_health_routes

app = BankApp("accounts")
add_health_routes(app, "accounts", "/accounts/health")
app.register_blueprint(accounts.bp)
app.register_blueprint(cards.bp)
app.register_blueprint(config.bp)
app.register_blueprint(loans.bp)
app.register_blueprint(staff.bp)
app.register_blueprint(tickets.bp)
