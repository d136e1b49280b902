"""Tests of meetings: scheduling, times, agenda, attendance, minutes, actions, calendars."""
