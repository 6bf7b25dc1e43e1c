"""Backups that restore and prove it: one checked file per snapshot, restored only into an empty database."""
