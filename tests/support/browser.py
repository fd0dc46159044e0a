"""A real headless browser for tests: Debian's chromium driven by Selenium, cut off from every host but loopback,
saving screenshots under var/screenshots/. tests/conftest.py registers the fixture; browser test modules mark themselves
`xdist_group("browser")`, so they run one at a time on one worker (two chromiums on two cores are slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.support.stack import ROOT

SCREENSHOTS = ROOT / "var" / "screenshots"


@contextmanager
def chromium(name: str) -> Iterator[webdriver.Chrome]:
    """A headless chromium; `driver.shot("step")` saves var/screenshots/<name>-<step>.png (and "last" at the end,
    whatever happened)."""
    chromium_path, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium_path and chromedriver):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are missing: bin/browser-up installs them")
        pytest.skip("chromium and chromium-driver are not installed (bin/browser-up)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--window-size=1400,1700",
        # The network is cut off: any host but loopback fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "-", name).strip("-")
    driver.shot = lambda step: driver.save_screenshot(str(SCREENSHOTS / f"{name}-{step}.png"))
    try:
        yield driver
    finally:
        driver.shot("last")
        driver.quit()


@pytest.fixture
def browser(request):
    """A chromium for one test, its screenshots named after the test."""
    with chromium(request.node.name) as driver:
        yield driver


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked the network for (a request its page's policy blocked never left it)."""
    sent, blocked = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            sent[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed" and params.get("blockedReason") == "csp":
            blocked.add(params["requestId"])
    return [url for request_id, url in sent.items() if request_id not in blocked]


def assert_only_local(urls: list[str], base: str) -> None:
    ws_base = base.replace("http://", "ws://")
    outside = [u for u in urls if not u.startswith((base, ws_base, "data:", "blob:", "about:"))]
    assert urls and not outside, f"requests left the machine: {outside}"
