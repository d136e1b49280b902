"""Deliverables and milestones."""
