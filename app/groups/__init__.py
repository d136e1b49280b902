"""Working groups and their memberships."""
