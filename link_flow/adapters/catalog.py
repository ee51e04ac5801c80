"""The catalog of systems a customer can connect."""

from __future__ import annotations

from link_flow.adapters.base import System
from link_flow.adapters.odoo import ODOO
from link_flow.adapters.postgres import POSTGRESQL
from link_flow.adapters.sandbox import SANDBOX
from link_flow.adapters.sap import SAP_ECC, SAP_S4HANA_CLOUD
from link_flow.adapters.upkeep import UPKEEP

# The sandbox stays first: it is the one every account can try.
SYSTEMS: tuple[System, ...] = (
    SANDBOX,
    ODOO,
    UPKEEP,
    SAP_S4HANA_CLOUD,
    SAP_ECC,
    POSTGRESQL,
)

_BY_KEY = {system.key: system for system in SYSTEMS}


def get_system(key: str) -> System | None:
    """Return the system with ``key``, or ``None`` when there is none."""
    return _BY_KEY.get(key)


def all_systems() -> tuple[System, ...]:
    return SYSTEMS
