"""Connecting to Temporal and talking to review workflows, shared by the worker, starter.py
and (later) the web app."""
