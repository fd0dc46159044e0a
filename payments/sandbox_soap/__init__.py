"""Sandbox partner: payments/sandbox_soap (enabled only in sandbox mode)."""
