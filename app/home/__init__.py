"""The landing page and the error pages."""
