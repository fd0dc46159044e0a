"""Circuit breakers: the state machine with each partner's policy from the admin, shared through Redis between
independent store clients (as separate processes hold them), the local store of the embedded default, the fallback
when Redis is gone, and the admin that shows and resets them."""

import time

import pytest
from django.contrib.auth import get_user_model

from core.breakers import (
    CLOSED,
    HALF_OPEN,
    OPEN,
    CircuitBreaker,
    LocalBreakerStore,
    RedisBreakerStore,
    breaker_reset,
    breaker_statuses,
    breakers_open,
    policies_forget,
)
from core.models import CircuitBreakerPolicy


@pytest.fixture(params=["redis", "local"])
def store_kind(request, settings):
    settings.CIRCUIT_BREAKER_STORE = request.param
    breaker_reset()
    yield request.param
    breaker_reset()


@pytest.fixture
def policy(db):
    def make(partner="acme", **numbers):
        row = CircuitBreakerPolicy.objects.create(partner=partner, **numbers)
        policies_forget()
        return row

    yield make
    policies_forget()


def _fail(breaker, times):
    for _ in range(times):
        assert breaker.admit().allowed
        breaker.record_failure()


def test_opens_after_the_partners_threshold_and_fails_fast(store_kind, policy):
    policy(fail_max=3, reset_timeout=30)
    breaker = CircuitBreaker("acme")
    _fail(breaker, 2)
    assert breaker_statuses(["acme"])["acme"].state == CLOSED
    _fail(breaker, 1)
    admission = CircuitBreaker("acme").admit()
    assert not admission.allowed
    assert 28 <= admission.retry_after <= 30
    assert breakers_open() == {"acme": admission.retry_after}


def test_a_success_between_failures_starts_the_count_again(store_kind, policy):
    policy(fail_max=2)
    breaker = CircuitBreaker("acme")
    _fail(breaker, 1)
    assert breaker.admit().allowed
    breaker.record_success()
    _fail(breaker, 1)
    assert breaker_statuses(["acme"])["acme"].state == CLOSED


def test_half_open_lets_the_configured_probes_through_and_closes_on_their_success(store_kind, policy):
    policy(fail_max=1, reset_timeout=1, half_open_probes=2)
    breaker = CircuitBreaker("acme")
    _fail(breaker, 1)
    assert not breaker.admit().allowed
    time.sleep(1.05)
    assert breaker_statuses(["acme"])["acme"].state == HALF_OPEN
    first, second, third = breaker.admit(), breaker.admit(), breaker.admit()
    assert (first.allowed, first.probe, second.allowed, second.probe) == (True, True, True, True)
    assert not third.allowed  # two probes are out: the rest wait for their verdict
    breaker.record_success()
    assert breaker_statuses(["acme"])["acme"].state == HALF_OPEN
    breaker.record_success()
    assert breaker_statuses(["acme"])["acme"].state == CLOSED
    assert breaker.admit() == breaker.admit()  # closed: everyone passes


def test_a_failed_probe_opens_it_again(store_kind, policy):
    policy(fail_max=1, reset_timeout=1, half_open_probes=1)
    breaker = CircuitBreaker("acme")
    _fail(breaker, 1)
    time.sleep(1.05)
    assert breaker.admit().probe
    breaker.record_failure()
    status = breaker_statuses(["acme"])["acme"]
    assert (status.state, status.retry_after) == (OPEN, 1)


def test_probes_that_never_report_back_do_not_wedge_it(store_kind, policy):
    policy(fail_max=1, reset_timeout=1, half_open_probes=1)
    breaker = CircuitBreaker("acme")
    _fail(breaker, 1)
    time.sleep(1.05)
    assert breaker.admit().probe  # this probe's process dies: no success, no failure
    assert not breaker.admit().allowed
    time.sleep(1.05)
    assert breaker.admit().probe


def test_without_a_row_the_settings_decide(store_kind, settings, db):
    settings.CIRCUIT_FAIL_MAX = 2
    policies_forget()
    _fail(CircuitBreaker("nobody-configured-me"), 2)
    assert not CircuitBreaker("nobody-configured-me").admit().allowed


def test_redis_state_is_one_for_every_client(settings, policy):
    """Two store clients stand for two processes: what one opens, the other sees (the real processes are in
    tests/core/test_every_process.py)."""
    settings.CIRCUIT_BREAKER_STORE = "redis"
    breaker_reset()
    policy(fail_max=2, reset_timeout=30)
    url, prefix = settings.CACHES["default"]["LOCATION"], settings.CACHE_KEY_PREFIX
    first, second = RedisBreakerStore(url, prefix), RedisBreakerStore(url, prefix)
    assert first._client is not second._client
    CircuitBreaker("acme").record_failure()
    CircuitBreaker("acme").record_failure()
    assert second.read("acme").state == OPEN
    assert "acme" in second.read_all()


def test_a_lost_redis_falls_back_to_the_local_breaker(settings, policy, caplog):
    settings.CIRCUIT_BREAKER_STORE = "redis"
    settings.CIRCUIT_BREAKER_REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens: connection refused
    policy(fail_max=2)
    breaker_reset("acme")
    breaker = CircuitBreaker("acme")
    _fail(breaker, 2)
    assert not breaker.admit().allowed  # still protected, by this process's own breaker
    assert "using the local breaker" in caplog.text
    breaker_reset("acme")


def test_the_local_store_keeps_its_own_state():
    store = LocalBreakerStore()
    store.update("a", lambda record: (record, None))
    assert store.read("a").state == CLOSED
    store.delete(None)
    assert store.read_all() == {}


def test_admin_lists_breakers_with_their_state_and_resets_them(client, policy, settings):
    settings.CIRCUIT_BREAKER_STORE = "redis"
    breaker_reset()
    policy("acme", fail_max=1, reset_timeout=60)
    CircuitBreaker("gateway:other").record_failure()  # used but never configured: listed with the defaults
    _fail(CircuitBreaker("acme"), 1)
    staff = get_user_model().objects.create_superuser("ops", "ops@example.com", "correct-horse-9")
    client.force_login(staff)
    page = client.get("/admin/core/circuitbreakerpolicy/").content.decode()
    assert "acme" in page and "open (probe in" in page
    assert "gateway:other" in page
    row = CircuitBreakerPolicy.objects.get(partner="acme")
    response = client.post(
        "/admin/core/circuitbreakerpolicy/",
        {"action": "reset_breakers", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "Closed the circuit of acme" in response.content.decode()
    assert breaker_statuses(["acme"])["acme"].state == CLOSED
    assert CircuitBreaker("acme").admit().allowed
