"""Backups: the whole database as one portable file, and back (`flask backup create|restore`)."""
