"""The customer-facing link flow: pages and the JSON calls behind them."""

from link_flow.flow.views import bp

__all__ = ["bp"]
