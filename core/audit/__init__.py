"""The staff audit trail: who changed money, limits, partners or players, when, what, and the before and after."""
