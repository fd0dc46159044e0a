"""Jurisdiction cells' kernel rules without a second database (the two-cell run is tests/deploy/test_cells.py): where
the router sends each model, which relations it allows, the registration refusal, and nothing at all outside a cell."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from core.shards import CATALOGUE_DB_ALIAS, CatalogueRouter, catalogue_changed, catalogue_pull, cells_enabled
from ledger.models import Account, Entry, Transaction
from payments.models import Gateway, Payment
from providers.models import Game, Provider, Round


def test_catalogue_models_are_written_to_the_catalogue_and_everything_is_read_here():
    router = CatalogueRouter()
    for model in (Provider, Game, Gateway):
        assert router.db_for_write(model) == CATALOGUE_DB_ALIAS
        assert router.db_for_read(model) == "default"  # the cell's replica
    # Money and players never: the ledger, rounds and payments stay in the cell's own database.
    for model in (Account, Entry, Transaction, Round, Payment, get_user_model()):
        assert router.db_for_write(model) == "default" and router.db_for_read(model) == "default"


def test_a_row_written_to_the_catalogue_does_not_pull_a_cells_rows_there():
    game = Game(code="g")
    game._state.db = CATALOGUE_DB_ALIAS  # as after game.save() in a cell
    # Without an explicit answer Django would follow the hinted instance to its database.
    assert CatalogueRouter().db_for_read(Round, instance=game) == "default"
    assert CatalogueRouter().db_for_write(Round, instance=game) == "default"


@pytest.mark.parametrize(
    ("first", "second", "allowed"),
    [
        ("default", CATALOGUE_DB_ALIAS, True),  # a cell's round and a replicated game
        ("default", "default", True),
        (CATALOGUE_DB_ALIAS, CATALOGUE_DB_ALIAS, True),
        ("default", "cell_uk", False),  # rows of two cells' databases
        ("cell_mt", "cell_uk", False),
    ],
)
def test_relations_never_span_two_cells(first, second, allowed):
    one, other = Round(), Game()
    one._state.db, other._state.db = first, second
    assert CatalogueRouter().allow_relation(one, other) is allowed


@pytest.mark.django_db
def test_outside_a_cell_nothing_is_routed_or_pulled(django_capture_on_commit_callbacks):
    assert not cells_enabled()
    with django_capture_on_commit_callbacks() as callbacks:
        catalogue_changed()
    assert callbacks == []
    assert catalogue_pull() == {}


@pytest.mark.django_db
def test_a_cell_registers_only_the_countries_it_serves(settings):
    settings.JURISDICTION, settings.JURISDICTION_COUNTRIES = "mt", ["MT"]
    client = APIClient()
    body = {"password": "correct-horse-9", "email": "p@example.com", "currency": "EUR"}

    refused = client.post("/api/v1/auth/register", {**body, "username": "brit", "country": "gb"}, format="json")

    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "country_not_served"
    assert "serves players from MT" in refused.json()["detail"]
    assert not get_user_model().objects.filter(username="brit").exists()
    taken = client.post("/api/v1/auth/register", {**body, "username": "malti", "country": "MT"}, format="json")
    assert taken.status_code == 201
