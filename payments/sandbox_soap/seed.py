"""Seeds the sandbox partner payments/sandbox_soap (called by manage.py sandbox_seed)."""


def seed() -> str:
    return "payments/sandbox_soap: nothing to seed yet"
