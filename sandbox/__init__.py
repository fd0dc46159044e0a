"""Fake partners for development and tests: REST and SOAP game providers and gateways, fault switches, seeds.
Installed and routed only when SANDBOX_MODE is on; no other module imports it (checked by import-linter)."""
