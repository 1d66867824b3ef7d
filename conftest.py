"""pytest set-up shared by the unit tests and the nbval run of the notebooks."""
import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach a model hub


def pytest_sessionstart(session):
    """Make sure both bundled models have their local copy before any notebook runs.

    A lesson that found no copy would print the one-time conversion message and fail nbval; the
    README's set-up command normally did this already, so here it is a quick check.
    """
    from utils.catalog import CATALOG
    from utils.models import ensure_local_copy

    for name in CATALOG:
        ensure_local_copy(name, progress=lambda msg: print(f"\n[course set-up] {msg}", flush=True))
