"""Invitations: the services and the acceptance page."""
