"""Game providers: registry, adapters, wallet callbacks, sandbox provider."""
