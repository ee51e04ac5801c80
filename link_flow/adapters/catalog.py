"""The catalog of systems a customer can connect."""

from __future__ import annotations

from link_flow.adapters.base import System
from link_flow.adapters.sandbox import SANDBOX

SYSTEMS: tuple[System, ...] = (SANDBOX,)

_BY_KEY = {system.key: system for system in SYSTEMS}


def get_system(key: str) -> System | None:
    """Return the system with ``key``, or ``None`` when there is none."""
    return _BY_KEY.get(key)


def all_systems() -> tuple[System, ...]:
    return SYSTEMS
