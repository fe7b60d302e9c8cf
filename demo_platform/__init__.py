"""A demo of the platform services a review talks to, with deterministic synthetic data."""
