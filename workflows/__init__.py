"""Durable review workflows, and the one client other processes talk to them through.

Workflow code is deterministic: all I/O lives in activities. ``workflows.client`` runs outside
the workflow: the starter and the web app share it.
"""
