"""Payments errors, all in the platform's ApplicationError family (rendered as problem+json).

Webhook signature problems are 400 here (the contract's webhook section), unlike the 401 of wallet callbacks.
"""

from core.errors import ApplicationError, ServiceUnavailable, ValidationFailed

__all__ = [
    "AmountMismatch",
    "GatewayUnavailable",
    "KycRequired",
    "PaymentDeclined",
    "UnknownGateway",
    "ValidationFailed",
    "WebhookInvalidSignature",
    "WebhookStaleSignature",
]


class WebhookInvalidSignature(ApplicationError):
    status, code, title = 400, "invalid_signature", "Invalid signature"


class WebhookStaleSignature(ApplicationError):
    status, code, title = 400, "stale_signature", "Signature timestamp outside the allowed window"


class UnknownGateway(ApplicationError):
    status, code, title = 404, "unknown_gateway", "Unknown payment gateway"


class AmountMismatch(ApplicationError):
    """An addition to the contract's codes: the event disagrees with the payment; recorded, never credited."""

    status, code, title = 400, "amount_mismatch", "Amount or currency disagrees with the payment"


class KycRequired(ApplicationError):
    status, code, title = 403, "kyc_required", "Identity verification is required"


class GatewayUnavailable(ServiceUnavailable):
    code, title = "gateway_unavailable", "The payment gateway is unavailable"


class PaymentDeclined(ApplicationError):
    """The gateway refused the request itself (e.g. an amount it does not accept)."""

    status, code, title = 422, "payment_declined", "The payment gateway declined the payment"


class KycUnavailable(ServiceUnavailable):
    code, title = "kyc_unavailable", "Identity checks are unavailable"
