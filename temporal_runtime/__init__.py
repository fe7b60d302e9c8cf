"""How every process meets Temporal: the connection (any cluster or Temporal Cloud, from the
environment), the encrypting data converter, and the Worker Deployment the worker serves."""
