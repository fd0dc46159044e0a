"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casino.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from casino.consumers import PlayerConsumer  # noqa: E402
from core.load_shedding import AdmissionControl  # noqa: E402

websocket_urlpatterns = [
    path("ws/player/", PlayerConsumer.as_asgi()),
]

application = AdmissionControl(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
        }
    ),
    limit=settings.SERVER_MAX_IN_FLIGHT,
    queue_timeout=settings.SERVER_QUEUE_TIMEOUT,
    retry_after=settings.SERVER_BUSY_RETRY_AFTER_SECONDS,
)
