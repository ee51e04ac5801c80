"""Business rules: each module owns one rule set, with its transaction."""
