"""Where the course's files are, wherever the course was cloned (never printed: paths are machine-specific)."""
from pathlib import Path

from .i18n import tr

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
NOTEBOOKS = ROOT / "notebooks"


def asset(name: str) -> Path:
    """The path of a file in assets/, with a clear error when it is missing."""
    path = ASSETS / name
    if not path.exists():
        raise FileNotFoundError(tr("assets/{name} is missing: the course checkout is incomplete (git pull, or clone it "
                                   "again).", name=name))
    return path
