"""Sandbox partner: payments/sandbox (enabled only in sandbox mode)."""
