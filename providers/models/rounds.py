"""Provider models: rounds."""

__all__ = []
