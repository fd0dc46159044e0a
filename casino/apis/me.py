"""The player's own profile, balance and statement."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import NOT_AUTHENTICATED, IsPlayer, problem
from core.errors import ValidationFailed
from core.money import to_major
from ledger.models import Entry
from ledger.selectors import account_entries, wallet_for


class MeApi(APIView):
    permission_classes = [IsPlayer]

    class MeOutputSerializer(serializers.Serializer):
        player_id = serializers.CharField()
        username = serializers.CharField()
        country = serializers.CharField()
        currency = serializers.CharField()
        kyc_status = serializers.CharField()

    @extend_schema(operation_id="me", responses={200: MeOutputSerializer, 401: NOT_AUTHENTICATED}, tags=["me"])
    def get(self, request):
        profile = request.user.player
        body = {
            "player_id": str(request.user.pk),
            "username": request.user.username,
            "country": profile.country,
            "currency": profile.currency,
            "kyc_status": profile.kyc_status,
        }
        return Response(self.MeOutputSerializer(body).data)


class BalanceApi(APIView):
    permission_classes = [IsPlayer]

    class BalanceOutputSerializer(serializers.Serializer):
        currency = serializers.CharField()
        balance = serializers.CharField(help_text="balance = available + held, decimal string")
        available = serializers.CharField()
        held = serializers.CharField()

    @extend_schema(
        operation_id="me_balance", responses={200: BalanceOutputSerializer, 401: NOT_AUTHENTICATED}, tags=["me"]
    )
    def get(self, request):
        currency = request.user.player.currency
        wallet = wallet_for(user=request.user, currency=currency)
        balance, held = (wallet.balance, wallet.held) if wallet else (0, 0)
        body = {
            "currency": currency,
            "balance": to_major(balance, currency),
            "available": to_major(balance - held, currency),
            "held": to_major(held, currency),
        }
        return Response(self.BalanceOutputSerializer(body).data)


class StatementPagination(CursorPagination):
    ordering = "-id"  # entries are immutable and ids grow: a stable cursor even while money moves
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        # DRF answers a bad cursor with 404; it is a bad parameter of an existing resource, so a 400.
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationFailed(errors={"cursor": ["Invalid cursor; use the `next` link as given."]}) from None


class StatementEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField(source="transaction.kind", help_text="The ledger transaction's kind, e.g. spin.")
    amount = serializers.SerializerMethodField(help_text="Signed decimal string: negative debits the wallet.")
    currency = serializers.CharField()
    balance_after = serializers.SerializerMethodField()
    reference = serializers.CharField(source="transaction.reference")
    created_at = serializers.DateTimeField()

    def get_amount(self, entry: Entry) -> str:
        return to_major(entry.amount, entry.currency)

    def get_balance_after(self, entry: Entry) -> str:
        return to_major(entry.balance_after, entry.currency)


class StatementSerializer(serializers.Serializer):
    results = StatementEntrySerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null.")


class TransactionsApi(APIView):
    permission_classes = [IsPlayer]

    @extend_schema(
        operation_id="me_transactions",
        parameters=[
            OpenApiParameter("cursor", str, description="Opaque cursor taken from `next`."),
            OpenApiParameter("page_size", int, description="Up to 200, default 50."),
        ],
        responses={
            200: StatementSerializer,
            400: problem("validation_error: a cursor not taken from `next`"),
            401: NOT_AUTHENTICATED,
        },
        tags=["me"],
    )
    def get(self, request):
        wallet = wallet_for(user=request.user, currency=request.user.player.currency)
        queryset = account_entries(account=wallet) if wallet else Entry.objects.none()
        paginator = StatementPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        body = {"results": page, "next": paginator.get_next_link()}
        return Response(StatementSerializer(body).data)
