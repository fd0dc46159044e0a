"""Seeds the sandbox partner providers/sandbox_soap (called by manage.py sandbox_seed)."""


def seed() -> str:
    return "providers/sandbox_soap: nothing to seed yet"
