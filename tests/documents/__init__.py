"""Tests of the document libraries."""
