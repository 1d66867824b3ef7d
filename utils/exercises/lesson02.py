"""Exercises of lesson 02: open versus closed models."""
import re

from ..i18n import tr
from . import close, exercise


def _norm(text) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def _match_models(answer, candidates) -> set:
    """Map each name the learner gave to exactly one candidate (prefix match, case and punctuation ignored)."""
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        raise ValueError(tr("give a list of model names, e.g. ['OLMo 7B', 'Mistral 7B']"))
    found = set()
    for item in answer:
        key = _norm(item)
        hits = [c for c in candidates if key and _norm(c).startswith(key)]
        if len(hits) != 1:
            if not hits:
                raise ValueError(tr("{item!r} matches no model; copy the names from the matrix", item=item))
            raise ValueError(tr("{item!r} matches several models ({hits}); copy the names from the matrix",
                                item=item, hits=", ".join(hits)))
        found.add(hits[0])
    return found


# -- 02.1 -------------------------------------------------------------------------------------------
FULLY_OPEN = {"OLMo 7B", "Pythia (6.9B)", "SmolLM2-135M-Instruct"}
"""Checked by hand against the matrix's sources (tests/test_openness.py checks that the matrix agrees)."""


def _fully_open_from_matrix():
    """The solution as a learner computes it: filter the matrix on the four columns."""
    from ..openness import load_matrix

    m = load_matrix()
    full = m[(m.weights == "yes") & (m.training_code == "yes") & (m.training_data == "yes") & (m.eval_code == "yes")]
    return sorted(full.model)


@exercise(
    "02.1",
    "Which models in the openness matrix release all four artefacts: weights, training code, training data "
    "and evaluation code? Give a list of names.",
    solution=_fully_open_from_matrix,
    wrong=["OLMo 7B", "Mistral 7B", "Mixtral 8x7B"],
)
def _check_fully_open(answer):
    from ..openness import load_matrix

    given = _match_models(answer, list(load_matrix().model))
    if given == FULLY_OPEN:
        return True, tr("These are the models anyone can rebuild, study and modify end to end.")
    extra, missing = given - FULLY_OPEN, FULLY_OPEN - given
    if extra:
        return False, tr("{n} of your models keep at least one artefact back: an OSI licence on the "
                         "weights is not the same as releasing code and data. Filter on all four columns.", n=len(extra))
    return False, tr("Right so far, but {n} model(s) are missing. Filter the matrix on all four columns.",
                     n=len(missing))


# -- 02.2 -------------------------------------------------------------------------------------------
def _bits_per_weight_from_summary():
    """The solution as a learner computes it, from the provenance table."""
    from ..gguf_file import gguf_summary

    s = gguf_summary("smollm2-135m-instruct")
    return s["size on disk (bytes)"] * 8 / s["parameters"]


def _bits_per_weight_expected() -> float:
    """Computed without the GGUF reader: the file's size on disk and the parameters counted on the loaded model."""
    from ..catalog import CATALOG
    from ..models import gguf_path

    return gguf_path("smollm2-135m-instruct").stat().st_size * 8 / CATALOG["smollm2-135m-instruct"].parameters


@exercise(
    "02.2",
    "The SmolLM2 file is quantized to 4 bits (Q4_1). From its size on disk (bytes) and its parameter count, "
    "how many bits does the file spend per weight on average? Give a number.",
    solution=_bits_per_weight_from_summary,
    wrong=4.0,
)
def _check_bits(answer):
    value = float(answer)
    expected = _bits_per_weight_expected()
    if close(value, expected, rel=0.02):
        return True, tr("More than 4: each block of 32 weights also stores a scale and a minimum, and some "
                        "tensors (norms, one embedding) are kept in F32 or Q8_0. Look at the 'tensor types' row.")
    if close(value, 4.0, rel=0.01):
        return False, tr("4 is the nominal width of Q4_1. Compute it from the file: size in bytes x 8 / parameters.")
    if value < 1:
        return False, tr("Too small: did you use MiB instead of bytes, or divide the wrong way round?")
    return False, tr("Not yet: bits = size in bytes x 8; divide by the number of parameters the file holds.")


# -- 02.3 -------------------------------------------------------------------------------------------
LICENCE_CANDIDATES = ["Llama 2 (70B)", "Mistral 7B", "Gemma 3 270M", "SmolLM2-135M-Instruct", "LLaMA (65B)"]
_NO_NEGOTIATION = {"Mistral 7B", "Gemma 3 270M", "SmolLM2-135M-Instruct"}


@exercise(
    "02.3",
    "A company with 800 million monthly active users wants to ship a commercial product on one of "
    f"{LICENCE_CANDIDATES} without negotiating a separate licence. Which of these may it use (within each "
    "licence's use policy)? Give a list.",
    solution=sorted(_NO_NEGOTIATION),
    wrong=["Llama 2 (70B)", "Mistral 7B", "SmolLM2-135M-Instruct"],
)
def _check_licences(answer):
    given = _match_models(answer, LICENCE_CANDIDATES)
    if given == _NO_NEGOTIATION:
        return True, tr("Apache-2.0 allows any use; the Gemma terms allow commercial use but forbid the uses in "
                        "their policy; Llama 2 has a user-count clause; LLaMA 1 is research only.")
    if given - _NO_NEGOTIATION:
        return False, tr("At least one of your choices needs Meta's permission for this company: one licence is "
                         "research only, another has a monthly-active-users clause. Check the licence column.")
    return False, tr("You left out a model this company may use: restrictive terms are not the same as no commercial "
                     "use.")


# -- 02.4 -------------------------------------------------------------------------------------------
def _verdicts():
    from ..quiz import load_myths

    return {int(k): v for k, v in load_myths()["verdict"].items()}


@exercise(
    "02.4",
    "Myth or fact: give your verdict on every claim of assets/myths_claims.csv as a dict "
    "{claim id: 'myth' or 'fact'}.",
    solution=_verdicts,
    wrong=lambda: {k: "fact" for k in _verdicts()},
)
def _check_myths(answer):
    from ..quiz import score_myths

    expected = _verdicts()
    if not isinstance(answer, dict):
        return False, tr("Give a dict, e.g. {1: 'myth', 2: 'fact', ...}.")
    missing = sorted(set(expected) - {int(k) for k in answer if str(k).isdigit()})
    if missing:
        return False, tr("Answer every claim: {missing} of {total} are missing.", missing=len(missing), total=len(expected))
    table = score_myths({int(k): v for k, v in answer.items()})
    right = int(table["right"].sum())
    if right == len(expected):
        return True, tr("All right. Each verdict has its source in the table: quote the source, not the blog post.")
    return False, tr("{right} of {total} right. Use the quiz buttons above and read each source.",
                     right=right, total=len(expected))


# -- 02.5 -------------------------------------------------------------------------------------------
def _days_chatgpt_to_api() -> int:
    from ..timeline import load_timeline

    t = load_timeline()
    chatgpt = t.loc[t["event"].str.startswith("ChatGPT research preview"), "date"].iloc[0]
    api = t.loc[t["event"].str.startswith("Chat completions API"), "date"].iloc[0]
    return int((api - chatgpt).days)


@exercise(
    "02.5",
    "How many days after ChatGPT's research preview did OpenAI's API offer gpt-3.5-turbo through its chat "
    "completions endpoint (the timeline row that starts with 'Chat completions API')? Give a whole number of days.",
    solution=_days_chatgpt_to_api,
    wrong=lambda: _days_chatgpt_to_api() - 1,
)
def _check_days_to_api(answer):
    expected = _days_chatgpt_to_api()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or float(answer) != int(answer):
        return False, tr("Give a whole number of days, e.g. the `.days` of the difference of two dates.")
    if int(answer) == expected:
        return True, tr("Right: about three months between a free web app and an API developers could build on.")
    if abs(int(answer) - expected) == 1:
        return False, tr("One day off: subtract the two dates (pandas counts the days between them for you).")
    return False, tr("Not that. Find the ChatGPT row and the Chat completions API row, and subtract their dates.")
