"""Provider-facing endpoints under /api/v1/providers/: seamless wallet callbacks."""

from django.urls import path

from providers.wallet.apis import WalletCallbackApi

urlpatterns = [
    path("<str:provider_code>/wallet/<str:action>/", WalletCallbackApi.as_view(), name="wallet-callback"),
]
