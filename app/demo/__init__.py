"""Deterministic demo data: the Lares valley communities, families, weavers, staff and users."""
