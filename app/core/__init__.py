"""Pieces every domain shares: languages and time, security headers, mail outbox, audit."""
