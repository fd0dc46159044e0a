"""Registration and JWT tokens: register, obtain a pair, rotate the refresh token, log out."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from casino.services import player_logout, player_register, player_token_obtain, player_token_refresh
from core.api import problem
from core.geo import GeoAllowed
from core.throttling import AnonRateThrottle, LoginAddressThrottle, LoginUsernameThrottle


class RegisterApi(APIView):
    authentication_classes = []
    permission_classes = [GeoAllowed]  # the request's country; the service checks the country typed

    class RegisterInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
        email = serializers.EmailField()
        country = serializers.CharField(min_length=2, max_length=2, help_text="ISO 3166-1 alpha-2")
        currency = serializers.CharField(min_length=3, max_length=3, help_text="ISO 4217")

    class RegisterOutputSerializer(serializers.Serializer):
        player_id = serializers.CharField()
        username = serializers.CharField()

    @extend_schema(
        operation_id="auth_register",
        request=RegisterInputSerializer,
        responses={
            201: RegisterOutputSerializer,
            400: problem("validation_error"),
            403: problem("country_blocked; country_not_served: this jurisdiction's site does not serve the country"),
        },
        tags=["auth"],
    )
    def post(self, request):
        serializer = self.RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = player_register(**serializer.validated_data)
        body = {"player_id": str(user.pk), "username": user.username}
        return Response(self.RegisterOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class TokenApi(APIView):
    authentication_classes = []
    permission_classes = [GeoAllowed]  # the request's country; the service checks the player's own after login
    # Guessing passwords: limited per client address and per username (the service adds a lockout).
    throttle_classes = [AnonRateThrottle, LoginAddressThrottle, LoginUsernameThrottle]

    class TokenInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})

    @extend_schema(
        operation_id="auth_token",
        request=TokenInputSerializer,
        responses={
            200: TokenPairSerializer,
            400: problem("validation_error"),
            401: problem("invalid_credentials"),
            403: problem("country_blocked"),
            429: problem("too_many_requests (Retry-After): a login limit or the lockout after failed logins"),
        },
        tags=["auth"],
    )
    def post(self, request):
        serializer = self.TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(TokenPairSerializer(player_token_obtain(**serializer.validated_data)).data)


class TokenRefreshApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    class TokenRefreshInputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        operation_id="auth_token_refresh",
        request=TokenRefreshInputSerializer,
        responses={200: TokenPairSerializer, 400: problem("validation_error"), 401: problem("token_invalid")},
        tags=["auth"],
    )
    def post(self, request):
        serializer = self.TokenRefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(TokenPairSerializer(player_token_refresh(**serializer.validated_data)).data)


class LogoutApi(APIView):
    """Ends a login: the refresh token and every token rotated from the same login can refresh no more."""

    authentication_classes = []
    permission_classes = [AllowAny]

    class LogoutInputSerializer(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        operation_id="auth_logout",
        request=LogoutInputSerializer,
        responses={204: None, 400: problem("validation_error"), 401: problem("token_invalid")},
        tags=["auth"],
    )
    def post(self, request):
        serializer = self.LogoutInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        player_logout(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)
