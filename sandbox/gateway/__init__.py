"""The REST sandbox gateway: checkout, payouts, signed webhooks, playing a payment vendor."""
