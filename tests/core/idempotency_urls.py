"""A test-only API whose every call moves money under a fresh ledger key, so only the Idempotency-Key layer can
stop a replay from moving it twice."""

import uuid

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import IdempotencyKeyConflict, ServiceUnavailable, ValidationFailed
from core.idempotency import idempotent
from ledger.models import AccountKind
from ledger.services import system_account_get_or_create, transfer, wallet_get_or_create


class CreditApi(APIView):
    @idempotent()
    def post(self, request):
        if request.data.get("fail"):
            raise ServiceUnavailable("partner down")
        wallet = wallet_get_or_create(user=request.user, currency="EUR")
        clearing = system_account_get_or_create(kind=AccountKind.HOUSE, currency="EUR")
        txn = transfer(
            source=clearing,
            destination=wallet,
            amount=int(request.data["amount"]),
            kind="bonus",
            idempotency_key=f"test:{uuid.uuid4()}",
        )
        return Response({"transaction_id": str(txn.pk)}, status=201)


class KeyedCreditApi(APIView):
    """Moves money under a ledger key made from the Idempotency-Key: its own unique row claims the key, as a spin's
    Round does, so the decorator writes no claim of its own."""

    @idempotent(claim=False)
    def post(self, request):
        if request.data.get("conflict"):
            raise IdempotencyKeyConflict("The key was used for another credit.")
        amount = int(request.data["amount"])
        if amount > 1_000:
            raise ValidationFailed(errors={"amount": ["At most 10.00."]})
        wallet = wallet_get_or_create(user=request.user, currency="EUR")
        clearing = system_account_get_or_create(kind=AccountKind.HOUSE, currency="EUR")
        txn = transfer(
            source=clearing,
            destination=wallet,
            amount=amount,
            kind="bonus",
            idempotency_key=f"test:{request.user.pk}:{request.headers['Idempotency-Key']}",
        )
        return Response({"transaction_id": str(txn.pk)}, status=201)


urlpatterns = [path("credit", CreditApi.as_view()), path("keyed-credit", KeyedCreditApi.as_view())]
