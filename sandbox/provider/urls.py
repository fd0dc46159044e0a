"""URL space of the sandbox game provider (mounted at /sandbox/provider/ only in SANDBOX_MODE)."""

from django.urls import path

from sandbox.provider import client, views

app_name = "sandbox_provider"

urlpatterns = [
    path("v2/sessions", views.session_open, name="session-open"),
    path("v2/rounds", views.round_play, name="round-play"),
    path("v2/rounds/<str:ref>", views.round_status, name="round-status"),
    path("v2/rounds/<str:ref>/ack", views.round_ack, name="round-ack"),
    path("v2/games", views.games, name="games"),
    path("v2/reports/settlements", views.settlement_report_view, name="settlement-report"),
    path("_control/faults", views.control_faults, name="control-faults"),
    # The game client a launch URL opens, and the studio's endpoints behind it (authenticated by the launch token).
    path("v2/launch", client.launch_page, {"studio": client.REST_STUDIO}, name="game"),
    path("v2/launch/balance", client.balance, {"studio": client.REST_STUDIO}, name="game-balance"),
    path("v2/launch/spin", client.play, {"studio": client.REST_STUDIO}, name="game-spin"),
]
