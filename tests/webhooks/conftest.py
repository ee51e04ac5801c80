"""Fixtures of the webhook tests: a receiver on loopback and a fake system."""

from tests.lifecycle.fake_system import fake_plc
from tests.webhooks.receiver import webhook_receiver

__all__ = ["fake_plc", "webhook_receiver"]
