"""The ledger's dead-letter queue for staff: look at what failed, and redrive it."""

from __future__ import annotations

from chalice import Response  # type: ignore[attr-defined]

from core.apidoc import PAGE
from core.http import BankBlueprint, model_response
from core.pagination import MAX_LIMIT, parse_limit
from ledger.models import DlqView, RedriveRequest, RedriveView
from ledger.service import dlq

bp = BankBlueprint(__name__)


@bp.route("/staff/dlq", methods=["GET"], response=DlqView, roles=["staff"], query={"limit": PAGE["limit"]})
def dlq_peek() -> Response:
    limit = parse_limit(bp.query("limit")) if bp.query("limit") else MAX_LIMIT
    return model_response(dlq.dlq_peek(limit))


@bp.route(
    "/staff/dlq/redrive", methods=["POST"], request=RedriveRequest, response=RedriveView, roles=["staff"]
)
def dlq_redrive() -> Response:
    request = bp.body(RedriveRequest)
    return model_response(dlq.dlq_redrive(request.max_messages))
