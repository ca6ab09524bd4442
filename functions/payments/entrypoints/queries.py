"""The payments query function: read-only actions for the ledger (reconciliation, statement access).
It holds no write grant at all, so a caller of it can move no money (the template's grants)."""

from __future__ import annotations

from core.internal import serve
from payments.entrypoints.common import action
from payments.models import AccountPayload, ListPositionsPayload
from payments.service import positions

handler = serve(
    {
        "list_positions": action(ListPositionsPayload, positions.list_positions),
        "get_position": action(AccountPayload, positions.get_position),
    }
)
