"""Maintenance: when a plan is due (pure, `due.py`)."""
