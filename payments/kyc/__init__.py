"""KYC checks behind one interface; the adapter in use is named by settings.PAYMENTS_KYC_ADAPTER."""

from django.conf import settings
from django.utils.module_loading import import_string

from payments.kyc.interface import KycAdapter, KycDecision

__all__ = ["KycAdapter", "KycDecision", "kyc_adapter"]


def kyc_adapter() -> KycAdapter:
    return import_string(settings.PAYMENTS_KYC_ADAPTER)()
