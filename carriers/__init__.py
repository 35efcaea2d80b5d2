"""Tracking numbers and shipments: detection, providers, the cached tracking service."""
