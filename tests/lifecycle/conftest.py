"""Fixtures of the lifecycle tests: a fake system and a webhook receiver."""

from tests.lifecycle.fake_system import fake_plc
from tests.webhooks.receiver import webhook_receiver

__all__ = ["fake_plc", "webhook_receiver"]
