"""The payments service's secret key, from Secrets Manager (cached by core.secrets in the warm function)."""

from __future__ import annotations

import base64

from core.secrets import secret_json
from payments.settings import conf


def pin_key() -> bytes:
    return base64.b64decode(secret_json(conf().pin_key_secret)["key"])
