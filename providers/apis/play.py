"""Game play: open a session, spin, read a round, acknowledge a round."""

from __future__ import annotations

from django.utils.translation import get_language_from_request
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import (
    NOT_AUTHENTICATED,
    DecimalStringField,
    IsPlayer,
    ProviderProblemSerializer,
    money_to_minor,
    problem,
)
from core.geo import GeoAllowed
from core.idempotency import idempotent
from core.money import to_major
from providers.interface import SessionMode
from providers.models import Round
from providers.selectors import round_of_player_get
from providers.services import round_acknowledge, round_play, session_launch_url, session_open


class SessionCreateApi(APIView):
    permission_classes = [IsPlayer, GeoAllowed]

    class SessionCreateInputSerializer(serializers.Serializer):
        game_id = serializers.UUIDField()
        mode = serializers.ChoiceField(
            choices=[SessionMode.REAL, SessionMode.DEMO],
            default=SessionMode.REAL,
            help_text="demo: the provider's play money in its game client; spins and wallet bets are refused.",
        )

    class SessionCreateOutputSerializer(serializers.Serializer):
        session_id = serializers.CharField(source="id")
        game_id = serializers.CharField()
        provider = serializers.CharField(source="provider.code")
        status = serializers.CharField()
        expires_at = serializers.DateTimeField()
        mode = serializers.CharField()
        launch_url = serializers.SerializerMethodField(
            help_text="The provider's game client for this session (an iframe or a redirect)."
        )

        def get_launch_url(self, session) -> str:
            return self.context["launch_url"]

    @extend_schema(
        operation_id="sessions_create",
        request=SessionCreateInputSerializer,
        responses={
            201: SessionCreateOutputSerializer,
            400: problem("validation_error"),
            401: NOT_AUTHENTICATED,
            403: problem("country_blocked"),
            404: problem("game_not_found"),
            503: problem("provider_unavailable (Retry-After)"),
        },
        tags=["play"],
    )
    def post(self, request):
        serializer = self.SessionCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session = session_open(player=request.user, game_id=data["game_id"], mode=data["mode"])
        # The game client speaks the player's language as the browser states it (Accept-Language).
        language = get_language_from_request(request)[:2]
        launch_url = session_launch_url(session=session, language=language)
        output = self.SessionCreateOutputSerializer(session, context={"launch_url": launch_url})
        return Response(output.data, status=status.HTTP_201_CREATED)


class SpinApi(APIView):
    permission_classes = [IsPlayer, GeoAllowed]

    class SpinInputSerializer(serializers.Serializer):
        game_id = serializers.UUIDField()
        session_id = serializers.UUIDField()
        bet = DecimalStringField(max_length=32, help_text='Decimal string in the player\'s currency, e.g. "1.50".')

    class SpinOutputSerializer(serializers.Serializer):
        round_id = serializers.CharField()
        session_id = serializers.CharField()
        bet = serializers.CharField()
        payout = serializers.CharField()
        result_data = serializers.JSONField()
        balance = serializers.CharField()
        currency = serializers.CharField()
        status = serializers.CharField()

    @extend_schema(
        operation_id="spin",
        request=SpinInputSerializer,
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True, description="1..255")
        ],
        responses={
            200: SpinOutputSerializer,
            400: problem("bet_out_of_range, validation_error"),
            401: NOT_AUTHENTICATED,
            403: problem("country_blocked"),
            404: problem("not_found (session)"),
            409: problem("session_closed, idempotency_key_conflict"),
            422: problem("insufficient_funds"),
            503: problem("provider_unavailable (Retry-After; round_id when a round exists)", ProviderProblemSerializer),
        },
        tags=["play"],
    )
    @idempotent(claim=False)  # the Round, unique per player and key, is the claim (core.idempotency)
    def post(self, request):
        serializer = self.SpinInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        currency = request.user.player.currency
        bet = money_to_minor(data["bet"], currency, field="bet")
        round_obj, wallet = round_play(
            player=request.user,
            session_id=data["session_id"],
            game_id=data["game_id"],
            bet=bet,
            idempotency_key=request.headers["Idempotency-Key"],
        )
        body = {
            "round_id": str(round_obj.id),
            "session_id": str(round_obj.session_id),
            "bet": to_major(round_obj.bet, round_obj.currency),
            "payout": to_major(round_obj.payout, round_obj.currency),
            "result_data": round_obj.result_data,
            "balance": to_major(wallet.balance, wallet.currency),
            "currency": round_obj.currency,
            "status": round_obj.status,
        }
        return Response(self.SpinOutputSerializer(body).data)


class RoundSerializer(serializers.Serializer):
    round_id = serializers.CharField(source="id")
    status = serializers.CharField()
    bet = serializers.SerializerMethodField()
    payout = serializers.SerializerMethodField(help_text="Null until the round is settled.")
    result_data = serializers.JSONField()
    acknowledged = serializers.BooleanField()

    def get_bet(self, round_obj: Round) -> str:
        return to_major(round_obj.bet, round_obj.currency)

    def get_payout(self, round_obj: Round) -> str | None:
        return None if round_obj.payout is None else to_major(round_obj.payout, round_obj.currency)


class RoundDetailApi(APIView):
    permission_classes = [IsPlayer]

    @extend_schema(
        operation_id="rounds_retrieve",
        responses={200: RoundSerializer, 401: NOT_AUTHENTICATED, 404: problem("not_found")},
        tags=["play"],
    )
    def get(self, request, round_id):
        return Response(RoundSerializer(round_of_player_get(player=request.user, round_id=round_id)).data)


class RoundAckApi(APIView):
    permission_classes = [IsPlayer]

    class RoundAckOutputSerializer(serializers.Serializer):
        round_id = serializers.CharField(source="id")
        status = serializers.CharField()
        acknowledged = serializers.BooleanField()

    @extend_schema(
        operation_id="rounds_ack",
        request=None,
        responses={200: RoundAckOutputSerializer, 401: NOT_AUTHENTICATED, 404: problem("not_found")},
        tags=["play"],
    )
    def post(self, request, round_id):
        round_obj = round_acknowledge(player=request.user, round_id=round_id)
        return Response(self.RoundAckOutputSerializer(round_obj).data)
