"""Payment gateways: deposits, withdrawals, webhooks, sandbox gateways."""
