"""Payments to the communities: receipts, batch runs, approval and idempotent submission."""
