"""Exercises of lesson 08 (one client for closed APIs and open models)."""
from __future__ import annotations

from ..i18n import tr
from . import close, exercise

SETTINGS = {"base_url", "api_key", "model", "messages", "client library", "temperature"}


@exercise(
    "08.1",
    "Batch-1 decode at 18 tokens/s, memory-bound; 8 requests batched, each step as long as before: aggregate tokens/s?",
    solution=144,
    wrong=18,
)
def _aggregate(answer):
    value = float(answer)
    if close(value, 144, rel=0.001):
        return True, tr("One read of the weights now yields 8 tokens. The measured gain is smaller, because a step "
                        "with 8 sequences does take somewhat longer.")
    if close(value, 18, rel=0.001):
        return False, tr("That is what each request sees. Add up the tokens of all 8 requests per second.")
    if close(value, 18 / 8, rel=0.001):
        return False, tr("Batching does not split the speed between requests: every step gives each request a token.")
    return False, tr("How many tokens does one decoding step produce when 8 sequences share it?")


@exercise(
    "08.2",
    "Moving code from the local server to a closed API: which settings must change? (a set of names)",
    solution={"base_url", "api_key", "model"},
    wrong={"base_url", "api_key", "model", "messages"},
)
def _what_changes(answer):
    if isinstance(answer, str):
        answer = [answer]
    names = {str(a).strip().lower().replace("-", "_") for a in answer}
    names = {"client library" if n in {"client_library", "client library", "client"} else n for n in names}
    unknown = names - SETTINGS
    if unknown:
        return False, tr("Answer with names from {names} (not {unknown}).", names=sorted(SETTINGS), unknown=sorted(unknown))
    if names == {"base_url", "api_key", "model"}:
        return True, tr("Address, key and model name. Everything else is the shared protocol.")
    extra = names - {"base_url", "api_key", "model"}
    if extra:
        return False, tr("{extra} stay(s) the same: the protocol and the client are shared by both sides.", extra=sorted(extra))
    return False, tr("Something is missing: where the requests go, who you are, and which model must all change.")


@exercise(
    "08.3",
    "A machine at $0.72/hour gives 80 tokens/s in aggregate with 8 simultaneous requests: dollars per million tokens?",
    solution=2.5,
    wrong=10.0,
)
def _price(answer):
    value = float(answer)
    if close(value, 2.5, rel=0.01):
        return True, tr("Four times cheaper than one request at a time (10.00): batching is why API tokens are cheap.")
    if close(value, 10.0, rel=0.01):
        return False, tr("That is the price at one request at a time (20 tokens/s). Use the aggregate speed.")
    if close(value, 2.5 / 8, rel=0.01) or close(value, 2.5 * 8, rel=0.01):
        return False, tr("The 80 tokens/s is already the sum over the 8 requests: do not divide or multiply by 8 again.")
    return False, tr("Tokens per hour = tokens/s × 3,600; dollars per million = hourly price / tokens per hour × 1,000,000.")
