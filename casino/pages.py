"""The player page (/play/): a frontend over the public API and /ws/player/, served by the site in sandbox mode or
when PLAYER_PAGE_ENABLED is set. The page is static HTML; everything it shows comes from the API and the socket."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from providers.selectors import providers_enabled


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def _content_security_policy(request) -> str:
    """Scripts, styles and calls from this site only; frames only from the game providers' own sites (their game
    clients open from a launch URL), and the page itself is never framed."""
    socket = ("wss://" if request.is_secure() else "ws://") + request.get_host()
    providers = sorted({_origin(provider.base_url) for provider in providers_enabled()} - {""})
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {socket}",
            "frame-src " + " ".join(["'self'", *providers]),
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )


@require_GET
@cache_control(no_cache=True)  # the HTML names fingerprinted static files: revalidate it, cache those forever
def player_page(request):
    response = render(request, "play/index.html")
    response["Content-Security-Policy"] = _content_security_policy(request)
    return response
