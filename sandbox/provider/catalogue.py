"""The sandbox provider's own game list, in its vendor shape (decimal-string stakes per currency)."""

SANDBOX_GAMES = [
    {"gameCode": "fruit-fiesta", "title": "Fruit Fiesta", "type": "SLOT", "ccy": "EUR", "minStake": "0.10",
     "maxStake": "100.00", "active": True},
    {"gameCode": "fruit-fiesta-usd", "title": "Fruit Fiesta (USD)", "type": "SLOT", "ccy": "USD", "minStake": "0.10",
     "maxStake": "100.00", "active": True},
    {"gameCode": "lucky-sevens", "title": "Lucky Sevens", "type": "SLOT", "ccy": "EUR", "minStake": "1.00",
     "maxStake": "500.00", "active": True},
    {"gameCode": "mini-reels", "title": "Mini Reels", "type": "SLOT", "ccy": "EUR", "minStake": "0.01",
     "maxStake": "5.00", "active": True},
    {"gameCode": "desert-gold", "title": "Desert Gold", "type": "SLOT", "ccy": "USD", "minStake": "0.50",
     "maxStake": "200.00", "active": True},
]  # fmt: skip

GAMES_BY_CODE = {game["gameCode"]: game for game in SANDBOX_GAMES}
