"""Embedding: the JavaScript SDK partners load on their own pages."""

from link_flow.embed.views import bp

__all__ = ["bp"]
