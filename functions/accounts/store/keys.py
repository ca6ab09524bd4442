"""The service's secret keys, from Secrets Manager (cached by core.secrets in the warm function)."""

from __future__ import annotations

import base64

from accounts.domain.cards import CardKeys
from accounts.settings import conf
from core.secrets import secret_json


def pin_key() -> bytes:
    return base64.b64decode(secret_json(f"{conf().secret_prefix}/accounts/pin-key")["key"])


def card_keys() -> CardKeys:
    value = secret_json(f"{conf().secret_prefix}/accounts/card-keys")
    return CardKeys(
        pan_key=base64.b64decode(value["pan_key"]),
        cvv_key=base64.b64decode(value["cvv_key"]),
        pan_index_key=base64.b64decode(value["pan_index_key"]),
    )
