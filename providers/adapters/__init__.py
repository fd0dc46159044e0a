"""One package per provider adapter (`rest_json`, and the SOAP one); each implements providers.interface."""
