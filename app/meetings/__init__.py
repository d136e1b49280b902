"""Meetings of the working groups: scheduling across two time zones, agenda, attendance,
minutes (draft → circulated → approved), decisions, action items and calendars."""
