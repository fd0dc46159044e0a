"""Pieces shared by the player API views: the problem+json schema, money fields, the player permission, and the JWT
authentication that names the player in every log line of the request."""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework_simplejwt.authentication import JWTAuthentication

from core.logcontext import log_context_bind
from core.money import MoneyError, to_minor


class PlayerJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer authentication; the authenticated player's id then goes on every log line."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            log_context_bind(player_id=result[0].pk)
        return result


class PlayerJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of PlayerJWTAuthentication: simplejwt's own bearer scheme."""

    target_class = PlayerJWTAuthentication


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every error of the API is rendered."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable machine word, e.g. insufficient_funds.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ProviderProblemSerializer(ProblemSerializer):
    round_id = serializers.CharField(required=False, help_text="The round, when one was created.")


def problem(description: str, serializer=ProblemSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


NOT_AUTHENTICATED = problem("not_authenticated: missing or invalid access token")


class DecimalStringField(serializers.CharField):
    """Money at the edge: a JSON string such as "12.50". A JSON number is refused (floats are not money)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError('Money is a decimal string, e.g. "12.50", not a JSON number.')
        return super().to_internal_value(data)


def money_to_minor(value: str, currency: str, *, field: str) -> int:
    """An API decimal string in minor units; more decimals than the currency allows is a 400, never rounded."""
    try:
        return to_minor(value, currency)
    except MoneyError as exc:
        raise serializers.ValidationError({field: [str(exc)]}) from None


class IsPlayer(permissions.BasePermission):
    """An authenticated user with a player profile (staff use the admin, not the player API)."""

    def has_permission(self, request, view):
        user = request.user
        # `player` is the profile's reverse one-to-one; hasattr is False when the user has none.
        return bool(user and user.is_authenticated and hasattr(user, "player"))


def player_currency(user) -> str:
    return user.player.currency
