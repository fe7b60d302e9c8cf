"""The decision archive: case records of closed reviews, the access log, retention and purge,
and the written case report. Records outlive Temporal's history retention."""
