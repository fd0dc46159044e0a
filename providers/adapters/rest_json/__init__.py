"""The generic REST/JSON provider adapter (the sandbox provider speaks its dialect)."""
