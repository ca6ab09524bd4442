"""The payments Chalice app (the Lambda handler behind the gateway): health route, routes/ blueprints."""

from core.http import BankApp, add_health_routes
from payments.routes import cards, history, transfers

app = BankApp("payments")
add_health_routes(app, "payments", "/payments/health")
app.register_blueprint(transfers.bp)
app.register_blueprint(history.bp)
app.register_blueprint(cards.bp)
