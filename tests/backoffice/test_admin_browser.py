"""The staff admin in a real browser (Debian's chromium, driven by Selenium) against a running site with the second
factor on: staff log in through the admin login page with a real TOTP, read the dashboard and a player's page, and
give the SOAP sandbox provider its client certificate through the provider form, then test the connection over
mutual TLS to a sandbox server that requires that certificate. Screenshots go to var/screenshots/."""

from __future__ import annotations

import uuid

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django_otp.oath import totp
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.support.browser import chromium
from tests.support.player_http import HttpPlayer
from tests.support.stack import running_stack
from tests.support.tls import make_pki, tls_wsgi_server

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.timeout(600)]

STAFF, STAFF_PASSWORD = "ops-browser", "pw-staff-browser-1"
SOAP_PROVIDER = "sandbox_soap"
SOAP_MESSAGE = "Sandbox_soap: "  # the admin shows a message with its first letter capitalised


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def soap_over_mtls(pki):
    """The SOAP sandbox provider (served by this process's site) over TLS 1.3, requiring a client certificate signed
    by the test CA: the partner a provider row is pointed at."""
    with tls_wsgi_server(WSGIHandler(), pki) as url:
        yield url + "/sandbox/soap-provider/"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with running_stack(tmp_path_factory.mktemp("admin-browser") / "var", extra_env={"ADMIN_OTP_REQUIRED": "1"}) as s:
        yield s


@pytest.fixture(scope="module")
def staff_browser(stack):
    """A chromium in which an operations staff member (made at the console, with a confirmed TOTP device) logged in
    through the admin login page: the password alone is refused, then the password and a real TOTP from the device's
    key (one login per module: a TOTP is good once)."""
    key = stack.shell(
        "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group; "
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        f"user = get_user_model().objects.create_user(username={STAFF!r}, password={STAFF_PASSWORD!r}, is_staff=True)\n"
        "user.groups.add(Group.objects.get(name='operations'))\n"
        "print(TOTPDevice.objects.create(user=user, name='phone', confirmed=True).key)"
    )
    with chromium("admin") as driver:
        admin = Admin(driver, stack)
        admin.open("/admin/")
        assert driver.current_url.startswith(f"{stack.url}/admin/login/")
        admin.fill(username=STAFF, password=STAFF_PASSWORD)
        admin.submit("#login-form input[type=submit]")
        assert "/admin/login/" in driver.current_url
        assert admin.text("#content .errornote") == "Please enter your OTP token."
        assert admin.el("[name=otp_device]").text.split() == ["---------", "phone"]  # the user's device
        driver.shot("1-token-required")
        Select(admin.el("[name=otp_device]")).select_by_visible_text("phone")
        admin.fill(password=STAFF_PASSWORD, otp_token=f"{totp(bytes.fromhex(key)):06d}")
        admin.submit("#login-form input[type=submit]")
        assert admin.text("#content h1") == "Dashboard", driver.current_url
        driver.shot("2-signed-in")
        yield driver


@pytest.fixture(scope="module")
def player(stack) -> HttpPlayer:
    """A player who deposited 60.00 EUR through the sandbox gateway and played one 1.00 EUR spin."""
    player = HttpPlayer(stack.url)
    player.deposit("60.00")
    game_id = next(g["id"] for g in player.get("games").json()["results"] if g["name"] == "Fruit Fiesta")
    session = player.post("sessions", {"game_id": game_id}).json()
    spin = player.post(
        "spin", {"game_id": game_id, "session_id": session["session_id"], "bet": "1.00"}, key=uuid.uuid4().hex
    )
    assert spin.status_code == 200, spin.text
    player.round_id = spin.json()["round_id"]
    return player


class Admin:
    """The admin pages, by what staff see on them."""

    def __init__(self, driver, stack):
        self.driver, self.stack = driver, stack
        self.wait = WebDriverWait(
            driver, 40, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
        )

    def open(self, path: str) -> None:
        self.driver.get(self.stack.url + path)

    def el(self, selector: str):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def text(self, selector: str) -> str:
        return self.el(selector).text

    def rows(self, table: str) -> list[str]:
        return [row.text for row in self.driver.find_elements(By.CSS_SELECTOR, f"{table} tr") if row.text]

    def fill(self, **fields) -> None:
        for name, value in fields.items():
            field = self.el(f"[name={name}]")
            field.clear()
            field.send_keys(value)  # typed, newlines and all, as a paste would put them

    def submit(self, selector: str) -> None:
        button = self.el(selector)
        button.click()
        self.wait.until(staleness_of(button))  # the next page replaced this one (its readyState says nothing yet)
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def messages(self, level: str) -> list[str]:
        return [m.text for m in self.driver.find_elements(By.CSS_SELECTOR, f".messagelist li.{level}")]

    def test_connection(self, code: str) -> None:
        """Tick the provider in the list and run the "Test the connection" action."""
        self.open("/admin/providers/provider/")
        row = self.driver.find_element(By.XPATH, f"//tr[.//a[normalize-space()='{code}']]")
        row.find_element(By.CSS_SELECTOR, "input.action-select").click()
        Select(self.el("select[name=action]")).select_by_value("test_connection")
        self.submit("button[name=index]")


def test_the_dashboard_and_a_players_page_show_the_money(stack, player, staff_browser):
    browser, admin = staff_browser, Admin(staff_browser, stack)
    admin.open("/admin/")

    # The dashboard: both sandbox providers healthy, and today's play of the player's spin.
    health = {row.split(" (")[1].split(")")[0]: row for row in admin.rows("#provider-health tbody, #provider-health")
              if " (" in row}  # fmt: skip
    assert {"sandbox", SOAP_PROVIDER} <= set(health), health
    assert all(" yes closed " in f" {health[code]} " for code in ("sandbox", SOAP_PROVIDER)), health
    today = [row for row in admin.rows("#money-today") if row.startswith("sandbox EUR")]
    assert len(today) == 1 and today[0].split()[2] == "1.00", today  # bets 1.00; wins and GGR follow the spin
    bets, wins, ggr = today[0].split()[2:5]
    assert f"{float(bets) - float(wins):.2f}" == ggr
    browser.shot("3-dashboard")

    # The player's page, found by the dashboard's search: balances, statement, round and payment as the ledger has them.
    admin.fill(q=player.username)
    admin.submit("#player-search input[type=submit]")
    assert admin.text("#content-main h2").startswith(player.username)
    balance = player.balance()
    assert admin.rows("#balances")[1:] == [f"EUR {balance} EUR 0.00 EUR {balance} EUR"]
    statement = admin.rows("#statement")[1:]
    assert len(statement) >= 2 and any(" deposit 60.00 EUR 60.00 EUR" in line for line in statement), statement
    assert statement[0].split()[-3:-1] == [balance, "EUR"] or f"{balance} EUR" in statement[0], statement
    rounds = admin.rows("#rounds")[1:]
    assert len(rounds) == 1 and player.round_id in rounds[0] and "settled 1.00 EUR" in rounds[0], rounds
    payments = admin.rows("#payments")[1:]
    assert len(payments) == 1 and "deposit succeeded 60.00 EUR sandbox" in payments[0], payments
    browser.shot("4-player")


def test_a_provider_gets_its_client_certificate_through_the_form(stack, pki, soap_over_mtls, staff_browser):
    browser, admin = staff_browser, Admin(staff_browser, stack)

    # Point the SOAP provider at the partner's mutual-TLS endpoint, trusting its CA, without a client certificate.
    admin.open("/admin/providers/provider/")
    browser.find_element(By.LINK_TEXT, SOAP_PROVIDER).click()
    change_url = browser.current_url
    admin.fill(base_url=soap_over_mtls, tls_ca_cert=pki.ca_cert_pem)
    admin.submit("input[name=_save]")
    assert any(SOAP_PROVIDER in m for m in admin.messages("success")), browser.page_source[-2000:]
    admin.test_connection(SOAP_PROVIDER)
    refused = admin.messages("error")
    assert len(refused) == 1 and refused[0].startswith(f"{SOAP_MESSAGE}failed: "), refused
    assert "TLS handshake failed" in refused[0]
    browser.shot("5-no-client-certificate")

    # A certificate that does not load, then a key that is not the certificate's: the form refuses both, stores nothing.
    browser.get(change_url)
    cut_short = "\n".join([*pki.client_cert_pem.splitlines()[:3], "-----END CERTIFICATE-----"])
    admin.fill(tls_client_cert=cut_short, tls_client_key=pki.client_key_pem)
    admin.submit("input[name=_save]")
    errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".field-tls_client_cert .errorlist li")]
    assert len(errors) == 1 and errors[0].startswith("Not a PEM certificate"), errors
    admin.fill(tls_client_cert=pki.client_cert_pem, tls_client_key=pki.rogue_client_key_pem)
    admin.submit("input[name=_save]")
    errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".field-tls_client_key .errorlist li")]
    assert errors == ["The private key does not belong to the client certificate."], errors
    browser.shot("6-key-refused")
    browser.get(change_url)
    assert "A value is stored" not in admin.text(".field-tls_client_key")

    # A pair that loads but that the partner's CA never signed: saved, and the partner refuses it.
    admin.fill(tls_client_cert=pki.rogue_client_cert_pem, tls_client_key=pki.rogue_client_key_pem)
    admin.submit("input[name=_save]")
    assert any(SOAP_PROVIDER in m for m in admin.messages("success"))
    admin.test_connection(SOAP_PROVIDER)
    refused = admin.messages("error")
    assert len(refused) == 1 and refused[0].startswith(f"{SOAP_MESSAGE}failed: "), refused
    assert "TLS handshake failed" in refused[0]
    browser.shot("7-rogue-certificate")

    # The certificate the partner's CA signed, pasted with its key: the connection test lists the partner's games.
    browser.get(change_url)
    assert "A value is stored; leave empty to keep it." in admin.text(".field-tls_client_key")
    assert admin.el("[name=tls_client_key]").get_attribute("value") == ""  # never shown back
    admin.fill(tls_client_cert=pki.client_cert_pem, tls_client_key=pki.client_key_pem)
    admin.submit("input[name=_save]")
    assert any(SOAP_PROVIDER in m for m in admin.messages("success"))
    admin.test_connection(SOAP_PROVIDER)
    ok = admin.messages("success")
    assert len(ok) == 1 and ok[0].startswith(f"{SOAP_MESSAGE}ok: 4 games in "), (ok, admin.messages("error"))
    browser.shot("8-connected")
