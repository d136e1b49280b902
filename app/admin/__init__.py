"""Administration: accounts, invitations, site roles, erasure, and the audit log."""
