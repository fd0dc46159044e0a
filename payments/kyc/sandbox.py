"""The bundled sandbox KYC adapter: decides from the player's profile (staff set kyc_status in the admin)."""

from casino.models import KycStatus, PlayerProfile
from payments.kyc.interface import KycAdapter, KycDecision


class ProfileKycAdapter(KycAdapter):
    def check(self, *, user) -> KycDecision:
        status = PlayerProfile.objects.filter(user=user).values_list("kyc_status", flat=True).first()
        if status is None:
            return KycDecision(verified=False, status="none", reason="No player profile.")
        return KycDecision(verified=status == KycStatus.VERIFIED, status=status)
