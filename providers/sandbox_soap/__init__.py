"""Sandbox partner: providers/sandbox_soap (enabled only in sandbox mode)."""
