"""Adapter for the bundled REST/JSON sandbox gateway (payments/sandbox/)."""
