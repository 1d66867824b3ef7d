"""Automatic checks for the lessons' exercises.

In a notebook::

    from utils.exercises import check
    answer = ...            # the learner's answer
    check("01.1", answer)   # prints feedback, never the solution

Each lesson keeps its exercises in ``utils/exercises/lessonNN.py``, registered with ``@exercise``.
Every exercise carries one correct answer and one typical wrong answer so that the test suite can run
every check both ways (tests/test_exercises.py): a check that cannot fail is caught there.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Callable

from ..i18n import tr

NOT_ANSWERED = ...  # the Ellipsis placeholder in exercise cells: "answer = ..."


@dataclass(frozen=True)
class Exercise:
    key: str  # "LL.N": lesson number, exercise number
    question: str
    checker: Callable[[Any], tuple[bool, str]]  # answer -> (correct?, feedback that does not give the solution away)
    solution: Callable[[], Any]  # builds a correct answer (used by the tests)
    wrong: Callable[[], Any]  # builds a typical wrong answer (used by the tests)

    def run(self, answer) -> tuple[bool, str]:
        if answer is NOT_ANSWERED or answer is None:
            return False, tr("No answer yet: replace the ... with your answer and run the cell again.")
        try:
            return self.checker(answer)
        except Exception as err:  # a malformed answer is feedback, not a crash
            return False, tr("That answer could not be checked ({kind}: {error}).", kind=type(err).__name__, error=err)


REGISTRY: dict[str, Exercise] = {}


def _lazy(value):
    return value if callable(value) and not isinstance(value, type) else (lambda: value)


def exercise(key: str, question: str, solution, wrong):
    """Register a check function ``answer -> (ok, feedback)`` under ``key``.

    ``solution`` and ``wrong`` are answers (or zero-argument functions that build them) for the tests.
    """

    def register(checker):
        if key in REGISTRY:
            raise ValueError(f"exercise {key} is registered twice")
        REGISTRY[key] = Exercise(key, question, checker, _lazy(solution), _lazy(wrong))
        return checker

    return register


def load_all() -> dict[str, Exercise]:
    """Import every lesson module so that all exercises are registered."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("lesson"):
            importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY


def get(key: str) -> Exercise:
    if key not in REGISTRY:
        lesson = key.split(".")[0]
        try:
            importlib.import_module(f"{__name__}.lesson{lesson}")
        except ModuleNotFoundError:
            pass
    if key not in REGISTRY:
        known = ", ".join(sorted(load_all()))
        raise KeyError(tr("No exercise {key!r}. Known exercises: {known}", key=key, known=known))
    return REGISTRY[key]


def is_correct(key: str, answer) -> bool:
    """Whether ``answer`` solves exercise ``key`` (no output)."""
    return get(key).run(answer)[0]


def check(key: str, answer) -> None:
    """Print feedback on ``answer`` to exercise ``key``: right or not, and a hint, never the solution."""
    ok, feedback = get(key).run(answer)
    print((tr("✅ Correct. ") if ok else tr("❌ Not yet. ")) + feedback)


def close(a: float, b: float, rel: float = 0.02) -> bool:
    """True when ``a`` is within ``rel`` (relative) of ``b``: for numeric answers."""
    return abs(float(a) - float(b)) <= rel * max(abs(float(b)), 1e-12)
