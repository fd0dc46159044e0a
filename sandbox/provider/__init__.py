"""The sandbox game provider (mounted at /sandbox/provider/ only in SANDBOX_MODE): a real HTTP vendor in its own
dialect that the REST/JSON adapter talks to. Every call is HMAC-signed by the platform with SANDBOX_PROVIDER_KEY_ID /
SANDBOX_PROVIDER_SECRET.

    POST v2/sessions            {playerRef, gameCode, ccy, externalSessionId} -> 201 {sessionToken, expiresIn}
    POST v2/rounds              {roundRef, sessionToken, playerRef, gameCode, stake: "1.00", ccy}
                                -> {roundRef, vendorRoundId, state: COMPLETED, stake, win, ccy, outcome}
    GET  v2/rounds/<roundRef>   -> the same, or {roundRef, state: UNKNOWN}
    POST v2/rounds/<roundRef>/ack -> {roundRef, acknowledged: true}
    GET  v2/games               -> {games: [{gameCode, title, type, ccy, minStake, maxStake, active}]}
    GET|POST|DELETE _control/faults  (unsigned, sandbox only) {operation, mode, delay, status, count, multiplier}

Faults are also set with `manage.py sandbox_provider_fault <operation> <mode> [--delay S] [--count N]`.
"""
