"""Accounts and sign-in: users, passwords, sessions, password reset, profile."""
