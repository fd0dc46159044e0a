"""Operations: the outbox's delivery policy, reconciliation, four-eyes thresholds, lifecycle and retention."""

from decimal import Decimal

from .env import env

# The outbox: tries per message, exponential backoff (base doubled per failed try, capped, with jitter), how long a
# worker may hold a message before another may take it over, and whether a message is handed to a worker on commit
# (off only where something else sends the tasks, e.g. a test driving a worker by hand; the sweep still finds it).
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=10.0)
OUTBOX_BACKOFF_MAX_SECONDS = env.float("OUTBOX_BACKOFF_MAX_SECONDS", default=1800.0)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=120)
OUTBOX_DISPATCH_ON_COMMIT = env.bool("OUTBOX_DISPATCH_ON_COMMIT", default=True)

# Four-eyes: a money move by staff (an adjustment, a discrepancy's compensation) above this many major units of its
# currency is posted only once a second staff member approves it.
FOUR_EYES_THRESHOLD = Decimal(env.str("FOUR_EYES_THRESHOLD", default="100.00"))
# Reconciliation: reports are read page by page; a report longer than this many pages is an error, not a hang.
RECONCILIATION_MAX_PAGES = env.int("RECONCILIATION_MAX_PAGES", default=1000)

# Lifecycle: a deposit still created or pending this many minutes after it was made is asked about at its gateway
# one last time and, unless the gateway settled it, failed as expired (a success reported later is an anomaly for
# staff, never lost money). Default: a day.
DEPOSIT_EXPIRY_MINUTES = env.int("DEPOSIT_EXPIRY_MINUTES", default=60 * 24)

# Retention, in days, of the records kept as evidence of what partners sent and what the platform sent them. The
# regulator's floor applies to each (a system check refuses to start below it); set it to your licence's rule.
# Rows something still needs are never purged whatever their age (see core.retention and each app's retention.py).
REGULATORY_RETENTION_MIN_DAYS = env.int("REGULATORY_RETENTION_MIN_DAYS", default=5 * 365)
WALLET_CALLBACK_RETENTION_DAYS = env.int("WALLET_CALLBACK_RETENTION_DAYS", default=5 * 365)
WEBHOOK_DELIVERY_RETENTION_DAYS = env.int("WEBHOOK_DELIVERY_RETENTION_DAYS", default=5 * 365)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=5 * 365)
# Rows deleted per transaction by a purge.
RETENTION_PURGE_BATCH_SIZE = env.int("RETENTION_PURGE_BATCH_SIZE", default=1000)
