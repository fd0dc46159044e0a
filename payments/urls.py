"""Payments API for players under /api/v1/payments."""

urlpatterns = []
