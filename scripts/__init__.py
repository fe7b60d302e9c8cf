"""Developer commands: the local stack (``make run``) and history capture for replay tests."""
