"""Accounts: users, roles, sign-in with throttling, and each user's language."""
