"""Deliverables and milestones: the EU work plan of each group, its workflow and its tracking."""
