"""Payments models, split by sub-domain: gateways (what staff configure), payments (the state machine), webhooks
(raw deliveries, processed-event markers, anomalies for staff)."""

from .gateway import *  # noqa: F403
from .payment import *  # noqa: F403
from .webhook import *  # noqa: F403
