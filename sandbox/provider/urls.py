"""URL space of the sandbox game provider (mounted at /sandbox/provider/ only in SANDBOX_MODE)."""

from django.urls import path

from sandbox.provider import views

app_name = "sandbox_provider"

urlpatterns = [
    path("v2/sessions", views.session_open, name="session-open"),
    path("v2/rounds", views.round_play, name="round-play"),
    path("v2/rounds/<str:ref>", views.round_status, name="round-status"),
    path("v2/rounds/<str:ref>/ack", views.round_ack, name="round-ack"),
    path("v2/games", views.games, name="games"),
    path("v2/reports/settlements", views.settlement_report_view, name="settlement-report"),
    path("_control/faults", views.control_faults, name="control-faults"),
]
