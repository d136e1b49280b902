"""Organisations the members work for (funders, ministries, universities, hospitals …)."""
