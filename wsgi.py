"""WSGI entry point: `gunicorn wsgi:app` (PORTAL_CONFIG=production in the environment)."""

from app import create_app

app = create_app()
