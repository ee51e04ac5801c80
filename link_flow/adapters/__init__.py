"""System adapters: sign in to a customer's system and read from it."""
