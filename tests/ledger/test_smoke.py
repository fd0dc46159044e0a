from ledger.selectors import ledger_audit
from ledger.services import wallet_get_or_create


def test_funded_wallet_passes_audit(make_player, fund):
    player = make_player()
    wallet = fund(player, 1000)
    assert wallet.balance == 1000
    assert wallet_get_or_create(user=player, currency="EUR").available == 1000
    assert ledger_audit() == []
