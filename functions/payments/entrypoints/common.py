"""What the payments invoke handlers share: one action of `core.internal.serve` made of the payload's
model and a use case, whose typed result goes on the wire as plain JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from core.internal import Action


def action[PayloadT: BaseModel](payload_model: type[PayloadT], run: Callable[[PayloadT], object]) -> Action:
    def act(payload: dict[str, Any]) -> Any:
        # A model, or a map of models or numbers (`balances`, `lowest_balances`): JSON as model_dump makes it.
        return to_jsonable_python(run(payload_model.model_validate(payload)), by_alias=False)

    return act
