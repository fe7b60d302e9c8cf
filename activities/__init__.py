"""Every I/O the review does: evidence sources, the account status service, the notification
gateway and policy files. Each activity has explicit timeouts and retries set by the workflow."""
