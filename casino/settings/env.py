"""The one environment reader every settings module shares (reads `.env` at the project root when present)."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# Where the embedded mode keeps its state (SQLite database, broker folders, channel layer file, collected static
# files); VAR_DIR moves all of it, e.g. for a second instance on one machine.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
