"""The access log never writes a credential carried in a query string (a game launch token, a WebSocket token)."""

import logging

import pytest


@pytest.mark.parametrize("query", ["token=s3cret-launch", "lang=de&ticket=s3cret-launch&demo=0", "TOKEN=s3cret-launch"])
def test_query_credentials_are_masked_in_the_access_log(client, caplog, query):
    with caplog.at_level(logging.INFO, logger="casino.access"):
        client.get(f"/health?{query}")

    lines = [record.getMessage() for record in caplog.records if record.name == "casino.access"]
    # The access line names the path only: no query string, so no credential in it can reach a log.
    assert len(lines) == 1 and "s3cret-launch" not in lines[0] and lines[0].startswith("GET /health ")
