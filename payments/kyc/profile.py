"""The production default KYC adapter: decides from the player's profile, whose kyc_status staff (or an identity
vendor's integration) set. Another vendor plugs in through PAYMENTS_KYC_ADAPTER."""

from django.contrib.auth import get_user_model

from payments.kyc.interface import KycAdapter, KycDecision

# casino.models.KycStatus.VERIFIED: payments sits below casino, so it reads the profile through the user relation
# instead of importing it.
VERIFIED = "verified"


class ProfileKycAdapter(KycAdapter):
    def check(self, *, user) -> KycDecision:
        status = get_user_model().objects.filter(pk=user.pk).values_list("player__kyc_status", flat=True).first()
        if status is None:
            return KycDecision(verified=False, status="none", reason="No player profile.")
        return KycDecision(verified=status == VERIFIED, status=status)
