"""The signing keys from Secrets Manager, cached in the warm function.

Powertools caches the secret for 5 minutes; a token naming a key id we do not know yet (just rotated)
forces one fresh read, at most once a minute so that forged key ids cannot hammer Secrets Manager.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache

from core.secrets import secret_json
from identity.domain.tokens import KeyRing

FORCED_REFRESH_INTERVAL = 60.0
_last_forced = {"at": 0.0}


@lru_cache(maxsize=8)
def _parse(text: str, with_private: bool) -> KeyRing:
    return KeyRing.from_secret(json.loads(text), with_private=with_private)


def key_ring(name: str, *, with_private: bool, force: bool = False) -> KeyRing:
    # Parsed PEMs are reused for as long as the secret's content is unchanged.
    return _parse(json.dumps(secret_json(name, force=force), sort_keys=True), with_private)


def refreshed_key_ring(name: str, *, with_private: bool) -> KeyRing | None:
    """A fresh read after an unknown key id, or None when one was forced too recently."""
    now = time.monotonic()
    if now - _last_forced["at"] < FORCED_REFRESH_INTERVAL:
        return None
    _last_forced["at"] = now
    return key_ring(name, with_private=with_private, force=True)
