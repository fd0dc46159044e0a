"""Seeds the sandbox partner providers/sandbox (called by manage.py sandbox_seed)."""


def seed() -> str:
    return "providers/sandbox: nothing to seed yet"
