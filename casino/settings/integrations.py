"""Outbound integrations: providers, gateways, sandbox partners, circuit breaker."""

from django.core.exceptions import ImproperlyConfigured

from .base import REDIS_URL
from .env import env

# Development defaults for the bundled sandbox partners only; real partners' secrets live encrypted in the database.
# `check --deploy --database default` refuses a partner row that holds one of them (core.checks).
DEVELOPMENT_PARTNER_SECRETS = (
    "sandbox-webhook-secret-dev-only",
    "sandbox-provider-secret-dev-only",
    "sandbox-gateway-secret-dev-only",
)
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default=DEVELOPMENT_PARTNER_SECRETS[0])
SANDBOX_PROVIDER_KEY_ID = env.str("SANDBOX_PROVIDER_KEY_ID", default="sandbox-key")
SANDBOX_PROVIDER_SECRET = env.str("SANDBOX_PROVIDER_SECRET", default=DEVELOPMENT_PARTNER_SECRETS[1])

# Outbound HTTP defaults (a provider or gateway row can override its own timeouts).
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=3.0)
OUTBOUND_READ_TIMEOUT = env.float("OUTBOUND_READ_TIMEOUT", default=10.0)
# Circuit breakers (defaults; staff set each partner's own in the admin, Circuit breakers): open after this many
# consecutive failures, fail at once for the reset timeout, then let this many probes through to decide.
CIRCUIT_FAIL_MAX = env.int("CIRCUIT_FAIL_MAX", default=5)
CIRCUIT_RESET_SECONDS = env.int("CIRCUIT_RESET_SECONDS", default=30)
CIRCUIT_HALF_OPEN_PROBES = env.int("CIRCUIT_HALF_OPEN_PROBES", default=1)
# Where breaker state lives: "redis" shares it between every web and worker process (the default with REDIS_URL;
# CIRCUIT_BREAKER_REDIS_URL defaults to the cache's Redis), "local" keeps it per process (the embedded default).
CIRCUIT_BREAKER_STORE = env.str("CIRCUIT_BREAKER_STORE", default="redis" if REDIS_URL else "local")
CIRCUIT_BREAKER_REDIS_URL = env.str("CIRCUIT_BREAKER_REDIS_URL", default="")

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
SANDBOX_GATEWAY_SECRET = env.str("SANDBOX_GATEWAY_SECRET", default=DEVELOPMENT_PARTNER_SECRETS[2])
# The REST sandbox's misbehaviours, for tests and demos: answer a repeated payout merchant reference with 409 instead
# of the existing payout, and answer a payout only this many seconds after taking it (a caller's read timeout).
SANDBOX_GATEWAY_REFUSE_DUPLICATE_PAYOUTS = env.bool("SANDBOX_GATEWAY_REFUSE_DUPLICATE_PAYOUTS", default=False)
SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY = env.float("SANDBOX_GATEWAY_PAYOUT_ANSWER_DELAY", default=0.0)

# The internal gRPC wallet (`manage.py wallet_grpc_serve`): where it listens, its thread pool, and its mutual-TLS
# material as PEM files (its certificate and key, and the CA whose client certificates it accepts).
WALLET_GRPC_BIND = env.str("WALLET_GRPC_BIND", default="127.0.0.1:50051")
WALLET_GRPC_WORKERS = env.int("WALLET_GRPC_WORKERS", default=8)
WALLET_GRPC_TLS_CERT = env.str("WALLET_GRPC_TLS_CERT", default="")
WALLET_GRPC_TLS_KEY = env.str("WALLET_GRPC_TLS_KEY", default="")
WALLET_GRPC_CLIENT_CA = env.str("WALLET_GRPC_CLIENT_CA", default="")
WALLET_GRPC_STOP_GRACE_SECONDS = env.float("WALLET_GRPC_STOP_GRACE_SECONDS", default=10.0)
# Common names of the client certificates of the TLS 1.3 gateway in front (deploy/nginx/grpc.conf.template): a call from
# one of them speaks for the client certificate the gateway verified and forwards, not for the gateway. Empty (the
# default): no proxy is trusted and every caller is a direct one.
WALLET_GRPC_TRUSTED_PROXY_NAMES = [name.strip() for name in env.list("WALLET_GRPC_TRUSTED_PROXY_NAMES", default=[])]

# The lowest TLS version the platform speaks to partners (REST and SOAP, providers and gateways): "1.3" by default;
# "1.2" only for a partner that cannot do better yet (it applies to every partner of the process).
PARTNER_TLS_MIN_VERSION = env.str("PARTNER_TLS_MIN_VERSION", default="1.3")
if PARTNER_TLS_MIN_VERSION not in ("1.2", "1.3"):
    raise ImproperlyConfigured(f"PARTNER_TLS_MIN_VERSION is 1.2 or 1.3, not {PARTNER_TLS_MIN_VERSION!r}")

# Partner rows (providers, gateways) and their decrypted keys are kept in each process; a process looks at most this
# often whether staff changed one in another process (a change made in this process drops its copy at once).
PARTNER_CACHE_CHECK_SECONDS = env.float("PARTNER_CACHE_CHECK_SECONDS", default=1.0)

# Wins a provider reports are held for staff review instead of credited when they exceed this multiple of the round's
# stakes, or this amount in major units of any currency (empty: no absolute cap). Held wins answer status "held".
WALLET_WIN_MAX_MULTIPLIER = env.int("WALLET_WIN_MAX_MULTIPLIER", default=5000)
WALLET_WIN_MAX_AMOUNT = env.str("WALLET_WIN_MAX_AMOUNT", default="")
