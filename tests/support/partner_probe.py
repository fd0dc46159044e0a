"""`python -m tests.support.partner_probe <provider code>`: another process that asks a provider for its catalogue
through the provider's adapter (and so through the provider's shared circuit breaker) each time it reads a line on
stdin, and answers each with one JSON line. It prints "ready" once Django is set up, so that a test can time its
calls without waiting for a process to start."""

import json
import sys
import time

import django


def main(code: str) -> None:
    django.setup()
    from providers.models import Provider
    from providers.registry import adapter_for

    print("ready", flush=True)
    for _ in sys.stdin:
        adapter = adapter_for(Provider.objects.get(code=code))  # the row as staff left it
        started = time.perf_counter()
        try:
            games = adapter.list_games()
            outcome = {"ok": True, "games": len(games)}
        except Exception as exc:
            outcome = {"ok": False, "error": type(exc).__name__, "retry_after": getattr(exc, "retry_after", None)}
        outcome["seconds"] = round(time.perf_counter() - started, 3)
        print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
