"""Helpers shared by the bundled sandbox partners (enabled only in sandbox mode)."""
