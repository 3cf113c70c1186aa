"""Responsible-tourism impact reports: figures from the ledger and operations, PDFs for partners."""
