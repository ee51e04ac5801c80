"""Local stand-ins for outside systems, speaking their documented protocols.

Each fake is a real HTTP server on 127.0.0.1 (port 0) in a background thread
and records every request it receives, so tests can prove when nothing was
sent at all.
"""
