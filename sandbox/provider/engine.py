"""The sandbox slot machine: a seeded RNG per round, so one round id always gives the same reels and win."""

from __future__ import annotations

import random

# symbol, weight on a reel, multiplier of the stake for three on the middle line
SYMBOLS = [("cherry", 30, 5), ("lemon", 25, 10), ("bell", 20, 20), ("bar", 15, 50), ("seven", 10, 100)]
CHERRY_PAIR_MULTIPLIER = 2  # two cherries leading the middle line


def spin(*, seed: str, round_ref: str, stake: int, forced_multiplier: int | None = None) -> tuple[int, dict]:
    """Play one round; returns (win in minor units, outcome). Deterministic in (seed, round_ref)."""
    rng = random.Random(f"{seed}:{round_ref}")
    names = [name for name, _, _ in SYMBOLS]
    weights = [weight for _, weight, _ in SYMBOLS]
    reels = [rng.choices(names, weights, k=3) for _ in range(3)]
    middle = [reel[1] for reel in reels]
    if forced_multiplier is not None:
        multiplier = forced_multiplier
    elif len(set(middle)) == 1:
        multiplier = dict((name, mult) for name, _, mult in SYMBOLS)[middle[0]]
    elif middle[0] == middle[1] == "cherry":
        multiplier = CHERRY_PAIR_MULTIPLIER
    else:
        multiplier = 0
    outcome = {"reels": reels, "line": middle, "multiplier": multiplier}
    if forced_multiplier is not None:
        outcome["forced"] = True
    return stake * multiplier, outcome
