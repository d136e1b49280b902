"""Invitations: how new people get an account (and land in their working groups)."""
