"""Account management and the audit log."""
