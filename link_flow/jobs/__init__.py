"""Background jobs on Huey: syncs and webhook deliveries."""
