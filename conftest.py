"""pytest set-up shared by the unit tests and the nbval run of the notebooks.

- Markers: ``slow`` for tests that convert a model, train, or run a notebook (every nbval item is slow).
  ``bash run_tests.sh -m "not slow"`` is the quick loop while editing.
- ``smol`` and ``gemma``: each bundled model loaded once per test session, as ``(tokenizer, model)``.
- The notebooks need both models' local copies; they are prepared before the first notebook runs, and only
  then, so data-only tests run on a machine without the model packages.
"""
import os

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach a model hub


def _is_notebook(item) -> bool:
    return str(getattr(item, "fspath", "")).endswith(".ipynb")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_notebook(item):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session):
    """Make sure both bundled models have their local copy before any notebook runs.

    A lesson that found no copy would print the one-time conversion lines and fail nbval; the README's set-up
    command normally did this already, so here it is a quick check.
    """
    if not any(_is_notebook(item) for item in session.items):
        return
    from utils.catalog import CATALOG
    from utils.models import ensure_local_copy

    for name in CATALOG:
        ensure_local_copy(name, progress=lambda msg: print(f"\n[course set-up] {msg}", flush=True))


@pytest.fixture(scope="session")
def smol():
    """SmolLM2-135M-Instruct as (tokenizer, model), loaded once per session."""
    from utils.models import load_model

    return load_model("smollm2-135m-instruct")


@pytest.fixture(scope="session")
def gemma():
    """Gemma 3 270M (base) as (tokenizer, model), loaded once per session."""
    from utils.models import load_model

    return load_model("gemma-3-270m")
