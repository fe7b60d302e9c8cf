"""Operating the service: logs that keep no personal data."""
