"""Typed configuration read from the environment once per cold start (never at import time)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

SettingsT = TypeVar("SettingsT", bound="EnvSettings")


class EnvSettings(BaseModel):
    """Fields map to upper-case environment variables; missing required ones fail at cold start."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_env(cls: type[SettingsT], environ: dict[str, str] | None = None) -> SettingsT:
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {
            name: source[name.upper()] for name in cls.model_fields if name.upper() in source
        }
        return cls.model_validate(values)


@cache
def settings[SettingsT: "EnvSettings"](cls: type[SettingsT]) -> SettingsT:
    """The cached settings of a service (tests call `settings.cache_clear()` after changing env)."""
    return cls.from_env()


def table_name(variable: str) -> Any:
    """A PynamoDB `Meta.table_name` that reads its environment variable when first used, not at import."""

    class _EnvTableName:
        def __get__(self, instance: object, owner: type) -> str:
            return os.environ[variable]

    return _EnvTableName()
