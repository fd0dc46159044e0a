"""Outbound integrations: providers, gateways, sandbox partners, circuit breaker."""

from .env import env

# Development defaults for the bundled sandbox partners only; real partners' secrets live encrypted in the database.
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default="sandbox-webhook-secret-dev-only")
SANDBOX_PROVIDER_KEY_ID = env.str("SANDBOX_PROVIDER_KEY_ID", default="sandbox-key")
SANDBOX_PROVIDER_SECRET = env.str("SANDBOX_PROVIDER_SECRET", default="sandbox-provider-secret-dev-only")

# Outbound HTTP defaults (a provider or gateway row can override its own timeouts).
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=3.0)
OUTBOUND_READ_TIMEOUT = env.float("OUTBOUND_READ_TIMEOUT", default=10.0)
# Circuit breaker: open after this many consecutive failures, try again after the reset timeout.
CIRCUIT_FAIL_MAX = env.int("CIRCUIT_FAIL_MAX", default=5)
CIRCUIT_RESET_SECONDS = env.int("CIRCUIT_RESET_SECONDS", default=30)

GAMES_CACHE_SECONDS = env.int("GAMES_CACHE_SECONDS", default=300)
# The sandbox game provider's RNG seed: one round id always plays the same way under one seed.
SANDBOX_PROVIDER_RNG_SEED = env.str("SANDBOX_PROVIDER_RNG_SEED", default="sandbox-rng-dev-only")
# The longest a game session stays open at the platform (sooner when the provider's own session expires first).
GAME_SESSION_MINUTES = env.int("GAME_SESSION_MINUTES", default=30)
# Retry-After (seconds) on a 503 provider_unavailable when the provider names none.
PROVIDER_RETRY_AFTER_SECONDS = env.int("PROVIDER_RETRY_AFTER_SECONDS", default=5)

# Payments: the KYC adapter consulted before a withdrawal, how long a payment may stay pending before the poller
# asks its gateway, and the key the platform signs its calls to the bundled REST sandbox gateway with.
PAYMENTS_KYC_ADAPTER = env.str("PAYMENTS_KYC_ADAPTER", default="payments.kyc.profile.ProfileKycAdapter")
PAYMENTS_POLL_AFTER_SECONDS = env.int("PAYMENTS_POLL_AFTER_SECONDS", default=300)
PAYMENTS_SUBMIT_MAX_RETRIES = env.int("PAYMENTS_SUBMIT_MAX_RETRIES", default=8)
# How long one payout submission may hold its claim (longer than its gateway calls can take; a crashed worker's
# claim lapses after it and the poller resubmits).
PAYMENTS_SUBMIT_LEASE_SECONDS = env.int("PAYMENTS_SUBMIT_LEASE_SECONDS", default=120)
SANDBOX_GATEWAY_KEY_ID = env.str("SANDBOX_GATEWAY_KEY_ID", default="sandbox-gateway-key")
SANDBOX_GATEWAY_SECRET = env.str("SANDBOX_GATEWAY_SECRET", default="sandbox-gateway-secret-dev-only")
# The REST sandbox's misbehaviours, for tests and demos: answer a repeated payout merchant reference with 409 instead
# of the existing payout, and answer a payout only this many seconds after taking it (a caller's read timeout).
SANDBOX_GATEWAY_REFUSE_DUPLICATE_PAYOUTS = env.bool("SANDBOX_GATEWAY_REFUSE_DUPLICATE_PAYOUTS", default=False)
SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = env.float("SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY", default=0.0)
# Partner rows (providers, gateways) and their decrypted keys are kept in each process; a process looks at most this
# often whether staff changed one in another process (a change made in this process drops its copy at once).
PARTNER_CACHE_CHECK_SECONDS = env.float("PARTNER_CACHE_CHECK_SECONDS", default=1.0)
