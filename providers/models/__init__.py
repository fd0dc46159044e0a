"""Provider app models, split by sub-domain: partner (the Provider row), catalog, rounds, wallet callbacks."""

from .catalog import *  # noqa: F403
from .partner import *  # noqa: F403
from .rounds import *  # noqa: F403
from .wallet import *  # noqa: F403
