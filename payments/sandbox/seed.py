"""Seeds the sandbox partner payments/sandbox (called by manage.py sandbox_seed)."""


def seed() -> str:
    return "payments/sandbox: nothing to seed yet"
