"""Sandbox partner: providers/sandbox (enabled only in sandbox mode)."""
