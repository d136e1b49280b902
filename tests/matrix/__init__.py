"""Rows of the access matrix, one module per domain.

Each module defines `ROWS: dict[(endpoint, method), Row]` and `build(world, factories)`, which
adds the objects its rows point at to `world.extra`. A row whose request changes something
must leave the rest of the walk intact: give it objects of its own to change.
"""
