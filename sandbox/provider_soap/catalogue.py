"""The SOAP sandbox provider's game list, in its vendor shape (decimal stakes in major units per currency)."""

SOAP_SANDBOX_GAMES = [
    {"GameCode": "pharaoh-reels", "Title": "Pharaoh Reels", "Category": "SLOT", "Currency": "EUR",
     "MinStake": "0.20", "MaxStake": "50.00", "Active": True},
    {"GameCode": "pharaoh-reels-usd", "Title": "Pharaoh Reels (USD)", "Category": "SLOT", "Currency": "USD",
     "MinStake": "0.20", "MaxStake": "50.00", "Active": True},
    {"GameCode": "royal-roulette", "Title": "Royal Roulette", "Category": "TABLE", "Currency": "EUR",
     "MinStake": "1.00", "MaxStake": "200.00", "Active": True},
    {"GameCode": "old-timer", "Title": "Old Timer (retired)", "Category": "SLOT", "Currency": "EUR",
     "MinStake": "0.10", "MaxStake": "10.00", "Active": False},
]  # fmt: skip

GAMES_BY_CODE = {game["GameCode"]: game for game in SOAP_SANDBOX_GAMES}
