"""Durable review workflows. Workflow code is deterministic: all I/O lives in activities."""
