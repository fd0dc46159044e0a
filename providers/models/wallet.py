"""Provider models: wallet."""

__all__ = []
