"""The player page in a real browser (Debian's chromium, driven by Selenium) against a running site in the embedded
default (`make run`'s shape: web server, Celery worker, SQLite): register, deposit through the sandbox checkout,
spin, play a round in the sandbox game client in its iframe through the wallet callbacks, see the balance follow
without a reload, withdraw; and the API docs render with the network cut off. Screenshots go to var/screenshots/.

The browser resolves no host but 127.0.0.1 (`--host-resolver-rules`), and every request it made is checked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import assert_only_local, requested_urls
from tests.support.player_http import sandbox_payment_complete, sandbox_provider_fault
from tests.support.stack import running_stack

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    # A short Retry-After, so the page's retry countdown is quick to sit through.
    with running_stack(
        tmp_path_factory.mktemp("browser") / "var", extra_env={"PROVIDER_RETRY_AFTER_SECONDS": "1"}
    ) as s:
        yield s


class Page:
    """The player page, by the element ids a person would see."""

    def __init__(self, driver, stack):
        self.driver, self.stack = driver, stack
        # The page re-renders its tables on every push: an element found a moment ago may be gone; look again.
        self.wait = WebDriverWait(
            driver, 40, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
        )

    def el(self, selector: str):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def text(self, selector: str) -> str:
        return self.el(selector).text

    def until(self, condition, what: str = ""):
        return self.wait.until(lambda _: condition(), message=what)

    def fill(self, form: str, **fields):
        for name, value in fields.items():
            field = self.el(f"{form} [name={name}]")
            field.clear()
            field.send_keys(value)

    def notice(self) -> tuple[str, str]:
        self.until(lambda: self.el("#notice").is_displayed(), "a notice")
        return self.el("#notice").get_attribute("data-code"), self.text("#notice-text")

    def dismiss(self):
        self.el("#notice-close").click()

    def balance(self) -> str:
        return self.text("#balance")


def test_a_player_goes_through_the_whole_page(stack, browser):
    page = Page(browser, stack)
    browser.get(f"{stack.url}/play/")
    browser.execute_script("window.loadedOnce = true")  # gone if the page ever reloads

    # Registration from a blocked country is refused with the contract's code, in plain words.
    username = "browser" + os.urandom(3).hex()
    page.fill("#register-form", username=username, password="correct-horse-9", email=f"{username}@example.com",
              country="US")  # fmt: skip
    page.el("#register-form button").click()
    code, text = page.notice()
    assert code == "country_blocked" and "your country" in text
    browser.shot("1-country-blocked")
    page.fill("#register-form", country="MT")
    page.el("#register-form button").click()
    page.until(lambda: page.el("body").get_attribute("data-ready") == "1", "the page to start")
    page.until(lambda: page.text("#live") == "live", "the WebSocket to connect")
    assert page.text("#lobby-currency") == "games in EUR" and page.balance() == "0.00"
    lobby = [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#games li")]
    assert lobby and all("EUR" in item for item in lobby) and not any("USD" in item for item in lobby)
    browser.shot("2-lobby")

    # Deposit through the sandbox checkout (its own window); the webhook confirms it and the socket says so.
    main_window = browser.current_window_handle
    page.fill("#deposit-form", amount="60.00")
    page.el("#deposit-form button").click()
    page.until(lambda: len(browser.window_handles) == 2, "the checkout window")
    browser.switch_to.window(next(h for h in browser.window_handles if h != main_window))
    page.until(lambda: browser.find_elements(By.CSS_SELECTOR, "button[value=succeeded]"), "the checkout page")
    browser.shot("3-checkout")
    page.el("button[value=succeeded]").click()
    page.until(lambda: "succeeded" in page.text("body"), "the checkout to confirm")
    browser.close()
    browser.switch_to.window(main_window)
    page.until(lambda: page.balance() == "60.00", "the deposit to reach the balance")
    page.until(lambda: page.text("#payment-list tr[data-kind=deposit] .status") == "succeeded", "payment.updated")
    browser.shot("4-deposited")

    # Open a real-money session and spin server to server; the result and the balance arrive without a reload.
    page.el("#games li button.play").click()
    page.until(lambda: page.el("#game").is_displayed(), "the game panel")
    assert page.text("#session-mode") == "real money"
    page.el("#bet").clear()
    page.el("#bet").send_keys("1.00")
    page.el("#spin").click()
    page.until(lambda: browser.find_elements(By.ID, "spin-outcome"), "the spin's result")
    page.until(lambda: page.balance() != "60.00" or "Won 1.00" in page.text("#spin-outcome"), "the new balance")
    page.until(
        lambda: [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#round-list .status")] == ["settled"],
        "the round in the history",
    )
    page.until(lambda: page.el("#round-list button.ack").click() is None, "the Acknowledge button")
    page.until(lambda: "acknowledged" in page.text("#round-list tr"), "the acknowledgement")
    browser.shot("5-spin")

    # Problems read as sentences: a bet over the balance, then a provider failure with a timed retry that replays
    # the same Idempotency-Key.
    page.el("#bet").clear()
    page.el("#bet").send_keys("100.00")
    page.el("#spin").click()
    code, text = page.notice()
    assert code == "insufficient_funds" and "Not enough money" in text
    page.dismiss()
    sandbox_provider_fault(stack.url, operation="play", mode="error", status=503, count=1)
    page.el("#bet").clear()
    page.el("#bet").send_keys("1.00")
    page.el("#spin").click()
    code, text = page.notice()
    assert code == "provider_unavailable" and "not available" in text and "no money moved" in text
    retry = page.el("#notice-retry")
    assert retry.is_displayed()
    browser.shot("6-provider-unavailable")
    page.until(lambda: retry.is_enabled() and retry.text == "Retry", "the Retry-After countdown")
    retry.click()
    page.until(lambda: not page.el("#notice").is_displayed(), "the retry to succeed")
    page.until(
        lambda: [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#round-list .status")] == ["settled"] * 2,
        "the retried round to settle",
    )

    # The provider's game client in its iframe plays a round through the signed wallet callbacks.
    before_game_client = page.balance()
    browser.switch_to.frame(page.el("#game-frame"))
    page.until(lambda: page.text("#game-balance") not in ("", "…"), "the game client's balance")
    assert page.text("#game-mode") == "REAL"
    page.el("#game-bet").clear()
    page.el("#game-bet").send_keys("2.00")
    page.el("#game-spin").click()
    page.until(lambda: page.el("body").get_attribute("data-last-round"), "the game client's round")
    after_game_client = page.text("#game-balance")
    message = page.text("#game-message")
    win = float(message.split("win ")[1].split(" ")[0]) if "You win" in message else 0.0
    assert after_game_client == f"{float(before_game_client) - 2 + win:.2f}"
    browser.switch_to.default_content()
    page.until(lambda: page.balance() == after_game_client, "the page's balance to follow the game client")
    page.until(
        lambda: "wallet_bet" in [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#transaction-list td")],
        "the game client's bet in the statement",
    )
    browser.shot("7-game-client")

    # A demo session: play money in the game client, the server-side spin is off, the balance does not move.
    page.el("#game-close").click()
    page.el("#games li button.demo").click()
    page.until(lambda: page.text("#session-mode") == "demo · play money", "the demo session")
    assert not page.el("#spin").is_enabled()
    browser.switch_to.frame(page.el("#game-frame"))
    page.until(lambda: page.text("#game-balance") == "1000.00", "the play money")
    page.el("#game-spin").click()
    page.until(lambda: page.el("body").get_attribute("data-last-round"), "the demo round")
    assert page.text("#game-mode").startswith("DEMO")
    browser.switch_to.default_content()
    assert page.balance() == after_game_client
    browser.shot("8-demo")

    # Withdraw: refused until the player is verified (staff do it in the backoffice), then held, paid out by the
    # gateway, and its status arrives live.
    page.fill("#withdraw-form", amount="10.00")
    page.el("#withdraw-form button").click()
    code, text = page.notice()
    assert code == "kyc_required" and "verify your identity" in text
    stack.shell(
        "from django.contrib.auth import get_user_model; from casino.services import player_kyc_set; "
        f"player_kyc_set(user=get_user_model().objects.get(username={username!r}), status='verified')"
    )
    page.el("#withdraw-form button").click()
    page.until(lambda: browser.find_elements(By.CSS_SELECTOR, "#payment-list tr[data-kind=withdrawal]"), "the order")
    assert page.text("#payment-list tr[data-kind=withdrawal] .status") == "pending"
    expected_after = f"{float(after_game_client) - 10:.2f}"
    page.until(lambda: page.text("#available") == expected_after, "the withdrawal's hold")
    payment_id = page.until(lambda: page.el("#payment-list tr[data-kind=withdrawal]").get_attribute("data-payment-id"))
    reference = stack.shell(
        "from payments.models import Payment; import time\n"
        f"for _ in range(100):\n"
        f"    p = Payment.objects.get(pk={payment_id!r})\n"
        f"    if p.gateway_reference: break\n"
        f"    time.sleep(0.2)\n"
        f"print(p.gateway_reference)"
    )
    sandbox_payment_complete(stack.url, reference, "succeeded")
    page.until(
        lambda: page.text("#payment-list tr[data-kind=withdrawal] .status") == "succeeded", "the payout's status"
    )
    page.until(lambda: page.balance() == expected_after, "the balance after the payout")
    browser.shot("9-withdrawn")

    assert browser.execute_script("return window.loadedOnce === true"), "the page reloaded"
    assert_only_local(requested_urls(browser), stack.url)


@pytest.mark.parametrize(
    ("path", "rendered"), [("/api/docs/", ".swagger-ui .info .title"), ("/api/redoc/", "h1")], ids=["swagger", "redoc"]
)
def test_the_api_docs_render_with_the_network_cut_off(stack, browser, path, rendered):
    browser.get(stack.url + path)

    title = WebDriverWait(browser, 40).until(
        lambda d: next((e.text for e in d.find_elements(By.CSS_SELECTOR, rendered) if e.text), None),
        message=f"{path} to render",
    )
    assert "Casino integration backoffice API" in title
    if path == "/api/docs/":  # the operations are listed from the schema
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
    browser.shot(Path(path).name)
    assert_only_local(requested_urls(browser), stack.url)
