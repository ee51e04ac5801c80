"""The catalog entries of the real adapters: keys, tiers, credits and labels."""

from __future__ import annotations

import pytest

from link_flow.adapters.catalog import SYSTEMS, get_system

# Labels the flow page uses for its own inputs; a credential field must not
# share them, or a label-based selector would find two inputs.
FLOW_PAGE_LABELS = ("email", "connection name")

EXPECTED = {
    "odoo": ("Odoo", 2, "cloud", 2),
    "upkeep": ("UpKeep", 1, "cloud", 1),
    "sap_s4hana_cloud": ("SAP S/4HANA Cloud", 3, "cloud", 4),
    "sap_ecc": ("SAP ECC", 3, "on_prem", 8),
    "postgresql": ("PostgreSQL database", 1, "on_prem", 2),
}


def test_catalog_keeps_sandbox_first_and_lists_each_system_once() -> None:
    keys = [system.key for system in SYSTEMS]

    assert keys[0] == "sandbox"
    assert len(keys) == len(set(keys))
    assert set(EXPECTED) <= set(keys)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_catalog_entry_matches_the_contract(key: str) -> None:
    system = get_system(key)
    assert system is not None
    name, tier, deployment, credits = EXPECTED[key]

    assert (system.name, system.tier, system.deployment) == (name, tier, deployment)
    assert system.credits == credits
    labels = [f.label.lower() for f in system.fields]
    assert not any(word in label for label in labels for word in FLOW_PAGE_LABELS)
    assert "username" in labels and "password" in labels
    passwords = [f for f in system.fields if f.name == "password"]
    assert passwords[0].type == "password"
    assert system.as_json()["fields"]
