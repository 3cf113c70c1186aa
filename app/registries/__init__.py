"""Registries: communities, homestay families, weaving associations and trek staff."""
