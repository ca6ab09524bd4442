"""The payments service's HTTP routes (Chalice app = the Lambda handler behind the gateway)."""

from payments.handlers import routes  # noqa: F401  (registers the routes on the app)
from payments.handlers.api import app

__all__ = ["app"]
