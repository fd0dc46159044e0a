"""Provider models: catalog."""

__all__ = []
