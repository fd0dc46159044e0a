"""Gateway adapters, one package per vendor; built only through payments.registry."""
