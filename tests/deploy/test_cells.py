"""Jurisdiction cells (docs/SHARDING.md, design B) on real PostgreSQL: two cells, `mt` serving Malta and `uk` serving
Great Britain, each a web server in a subprocess on its own database, and one shared catalogue database. Money and
players stay in their cell's database; the catalogue staff edit through one cell reaches the other after the pull."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

from tests.serving.servers import (
    PASSWORD,
    ROOT,
    Server,
    deposit_event,
    free_port,
    game_session,
    player_register,
    server_env,
    webhook_headers,
)

pytestmark = [pytest.mark.xdist_group("cells"), pytest.mark.timeout(300)]

PYTHON = str(Path(sys.executable))


def _url(name: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))


def _database_create(admin: psycopg.Connection, name: str) -> None:
    """A database of its own, cloned from the suite's migrated template when there is one (else migrated below)."""
    template = os.environ.get("DATABASE_TEST_TEMPLATE", "")
    for _ in range(20):
        try:
            admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            return
        except psycopg.errors.ObjectInUse:  # another worker is cloning the template at this moment
            time.sleep(0.5)
    admin.execute(f'CREATE DATABASE "{name}"')


class Cell:
    def __init__(self, name: str, countries: str, database: str, catalogue: str, workdir: Path):
        self.name, self.database = name, database
        port = free_port()
        self.site = f"http://127.0.0.1:{port}"
        redis_base = (int(os.environ.get("REDIS_TEST_DB_BASE", "1")) + 4) % 32  # beside the suite's own databases
        (workdir / name).mkdir()
        self.env = server_env(
            DJANGO_SETTINGS_MODULE="casino.settings.test",  # eager tasks, sandbox partners, quick password hashing
            DATABASE_URL=_url(database),
            CATALOGUE_DATABASE_URL=_url(catalogue),
            JURISDICTION=name,
            JURISDICTION_COUNTRIES=countries,
            REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            REDIS_TEST_DB_BASE=str(redis_base),
            CACHE_KEY_PREFIX=f"cell-{name}-{uuid.uuid4().hex[:8]}",  # each cell's cache is its own
            SITE_URL=self.site,
            PORT=str(port),
            VAR_DIR=str(workdir / name),
            SECURE_COOKIES="0",
        )
        self.log = workdir / f"{name}.log"
        self.server: Server | None = None

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=180
        )

    def start(self) -> None:
        command = [PYTHON, "manage.py", "runserver", self.site.removeprefix("http://"), "--noreload"]
        self.server = Server(command, env=self.env, site=self.site, log=self.log)


def _rows(database: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(_url(database), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """The catalogue database and two cells on databases named after this run's test database, migrated the way an
    operator does (the cell's own database, then the catalogue), sandbox partners seeded through `mt`."""
    prefix = f"{urlsplit(os.environ['DATABASE_URL']).path.lstrip('/')}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw0')}"
    names = {"catalogue": f"{prefix}_catalogue", "mt": f"{prefix}_cell_mt", "uk": f"{prefix}_cell_uk"}
    admin = psycopg.connect(_url("postgres"), autocommit=True)
    for name in names.values():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _database_create(admin, name)
    workdir = tmp_path_factory.mktemp("cells")
    mt = Cell("mt", "MT", names["mt"], names["catalogue"], workdir)
    uk = Cell("uk", "GB", names["uk"], names["catalogue"], workdir)
    try:
        with ThreadPoolExecutor(2) as pool:  # each cell its own database first, side by side; then the catalogue
            steps = list(pool.map(lambda cell: cell.manage("migrate", "--no-input", "-v", "0"), (mt, uk)))
        steps.append(mt.manage("migrate", "--database", "catalogue", "--no-input", "-v", "0"))
        for step in steps:
            assert step.returncode == 0, step.stderr[-3000:]
        seeded = mt.manage("sandbox_seed")
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        pulled = uk.manage("catalogue_pull")
        assert pulled.returncode == 0 and "providers.Game copied" in pulled.stdout, pulled.stdout + pulled.stderr
        mt.start()
        uk.start()
        for cell in (mt, uk):
            cell.server.wait_ready()
        mt.staff_password = re.search(r"staff login: admin / (\S+)", seeded.stdout).group(1)
        yield {"mt": mt, "uk": uk, "catalogue": names["catalogue"]}
    finally:
        for cell in (mt, uk):
            if cell.server is not None:
                cell.server.stop()
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_a_cell_connects_to_its_own_database_and_the_catalogue_only(cells):
    probe = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps({alias: db['NAME'] for alias, db in settings.DATABASES.items()}))"
    )
    for name in ("mt", "uk"):
        cell = cells[name]
        answer = subprocess.run([PYTHON, "-c", probe], cwd=ROOT, env=cell.env, capture_output=True, text=True)
        assert answer.returncode == 0, answer.stderr[-3000:]
        assert json.loads(answer.stdout) == {"default": cell.database, "catalogue": cells["catalogue"]}


def test_a_player_plays_in_their_cell_and_their_rows_live_in_its_database_only(cells):
    mt, uk = cells["mt"], cells["uk"]
    http = player_register(mt.site, "maltese")
    event = deposit_event(http, mt.site, "50.00")
    hook = f"{mt.site}/webhooks/payments/sandbox/"
    webhook = requests.post(hook, data=event, headers=webhook_headers(event), timeout=30)
    assert webhook.ok, webhook.text
    game_id, session_id = game_session(http, mt.site)
    spin = http.post(
        f"{mt.site}/api/v1/spin",
        json={"game_id": game_id, "session_id": session_id, "bet": "1.00"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=60,
    )
    assert spin.status_code == 200, spin.text
    balance = http.get(f"{mt.site}/api/v1/me/balance", timeout=30).json()
    assert Decimal(balance["balance"]) == Decimal("49.00") + Decimal(spin.json()["payout"]), balance

    counts = """SELECT (SELECT count(*) FROM casino_user WHERE username = 'maltese'),
        (SELECT count(*) FROM ledger_account a JOIN casino_user u ON u.id = a.owner_id WHERE u.username = 'maltese'),
        (SELECT count(*) FROM payments_payment p JOIN casino_user u ON u.id = p.player_id WHERE u.username = 'maltese'),
        (SELECT count(*) FROM providers_round r JOIN casino_user u ON u.id = r.player_id WHERE u.username = 'maltese'),
        (SELECT count(*) FROM ledger_entry)"""
    in_mt = _rows(mt.database, counts)[0]
    assert in_mt[:4] == (1, 1, 1, 1) and in_mt[4] >= 4, in_mt  # deposit and spin entries
    for elsewhere in (uk.database, cells["catalogue"]):
        assert _rows(elsewhere, counts)[0] == (0, 0, 0, 0, 0), elsewhere
    # The round's game is the catalogue's row, replicated: same id in the catalogue database and in the cell.
    game_sql = "SELECT id FROM providers_game WHERE id = %s"
    assert _rows(mt.database, game_sql, game_id) == _rows(cells["catalogue"], game_sql, game_id) != []

    # Each cell's ledger holds on its own database.
    audits = {cell.name: cell.manage("ledger_audit") for cell in (mt, uk)}
    for audit in audits.values():
        assert audit.returncode == 0 and "ledger audit ok" in audit.stdout, audit.stdout + audit.stderr
    assert "ledger audit ok: 0 transactions" in audits["uk"].stdout


def test_the_other_cell_refuses_the_player_and_their_token(cells):
    mt, uk = cells["mt"], cells["uk"]
    http = player_register(mt.site, "valletta")

    register = requests.post(
        f"{uk.site}/api/v1/auth/register",
        json={"username": "valletta2", "password": PASSWORD, "email": "v2@example.com", "country": "MT",
              "currency": "EUR"},
        timeout=30,
    )  # fmt: skip
    assert register.status_code == 403, register.text
    assert register.headers["Content-Type"] == "application/problem+json"
    assert register.json()["code"] == "country_not_served" and "GB" in register.json()["detail"]
    # uk serves its own players.
    british = requests.post(
        f"{uk.site}/api/v1/auth/register",
        json={"username": "londoner", "password": PASSWORD, "email": "l@example.com", "country": "GB",
              "currency": "GBP"},
        timeout=30,
    )  # fmt: skip
    assert british.status_code == 201, british.text
    assert _rows(mt.database, "SELECT count(*) FROM casino_user WHERE username = 'londoner'") == [(0,)]

    # The mt token means nothing to uk: 401, and nothing is written there.
    before = _rows(uk.database, "SELECT (SELECT count(*) FROM payments_payment), (SELECT count(*) FROM casino_user)")
    auth = {"Authorization": http.headers["Authorization"]}
    assert requests.get(f"{uk.site}/api/v1/me/balance", headers=auth, timeout=30).status_code == 401
    deposit = requests.post(
        f"{uk.site}/api/v1/payments/deposits",
        json={"gateway": "sandbox", "amount": "10.00", "currency": "EUR"},
        headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert deposit.status_code == 401, deposit.text
    after = _rows(uk.database, "SELECT (SELECT count(*) FROM payments_payment), (SELECT count(*) FROM casino_user)")
    assert after == before
    assert _rows(uk.database, "SELECT count(*) FROM casino_user WHERE username LIKE 'valletta%%'") == [(0,)]


def test_a_catalogue_edit_through_one_cell_reaches_the_other_after_the_pull(cells):
    mt, uk = cells["mt"], cells["uk"]
    lucky = "SELECT id, enabled FROM providers_game WHERE code = 'lucky-sevens'"
    game_id, enabled = _rows(cells["catalogue"], lucky)[0]
    assert enabled and _rows(uk.database, lucky) == [(game_id, True)]

    def lobby(site: str) -> set[str]:
        """The games the lobby offers (a disabled one is listed as unavailable)."""
        listed = requests.get(f"{site}/api/v1/games", params={"currency": "EUR"}, timeout=30)
        assert listed.status_code == 200, listed.text
        return {game["name"] for game in listed.json()["results"] if game["available"]}

    assert "Lucky Sevens" in lobby(uk.site)  # and now cached by uk

    # Staff disable the game in mt's admin (the admin action: a queryset update of the catalogue).
    staff = requests.Session()
    staff.get(f"{mt.site}/admin/login/", timeout=30)
    login = staff.post(
        f"{mt.site}/admin/login/?next=/admin/",
        data={"username": "admin", "password": mt.staff_password, "csrfmiddlewaretoken": staff.cookies["csrftoken"]},
        timeout=30,
    )
    assert login.status_code == 200 and "/admin/login/" not in login.url, login.text[-2000:]
    action = staff.post(
        f"{mt.site}/admin/providers/game/",
        data={"action": "disable_games", "_selected_action": [str(game_id)],
              "csrfmiddlewaretoken": staff.cookies["csrftoken"]},
        timeout=30,
    )  # fmt: skip
    assert action.status_code == 200, action.text[-2000:]

    # Written to the catalogue, copied into mt's replica on commit; uk still has its copy until it pulls.
    assert _rows(cells["catalogue"], lucky) == [(game_id, False)]
    assert _rows(mt.database, lucky) == [(game_id, False)]
    assert "Lucky Sevens" not in lobby(mt.site)
    assert _rows(uk.database, lucky) == [(game_id, True)]

    pulled = uk.manage("catalogue_pull")  # what the beat job core-catalogue-pull runs
    assert pulled.returncode == 0 and "providers.Game copied" in pulled.stdout, pulled.stdout + pulled.stderr
    assert _rows(uk.database, lucky) == [(game_id, False)]
    assert "Lucky Sevens" not in lobby(uk.site)  # the pull made uk's cached lobby stale
    assert "up to date" in uk.manage("catalogue_pull").stdout
