"""Generation helpers with the real bundled models: determinism, chat templates, tables, errors."""
import pandas as pd
import pytest

from utils.exercises.lesson01 import EXTRA_KOREAN_TOKENS, KOREAN
from utils.generation import EmptyPromptError, generate, next_token_table, render_prompt, tokenize_table, uses_chat_template

# smol and gemma: the session fixtures of conftest.py, (tokenizer, model) loaded once per test session.


def test_greedy_is_deterministic_and_known(smol, gemma):
    answer = generate(*smol, "What is the capital of France?", max_new_tokens=10)
    assert answer == "The capital of France is Paris."
    assert generate(*smol, "What is the capital of France?", max_new_tokens=10) == answer
    continuation = generate(*gemma, "For lunch today, I would like to eat a", max_new_tokens=6)
    assert continuation.startswith("burger with a side of fries")


@pytest.mark.slow  # samples Gemma several times (about 6 s)
def test_sampling_repeats_with_a_seed_and_varies_without(gemma):
    prompt = "For lunch today, I would like to eat a"
    a = generate(*gemma, prompt, max_new_tokens=10, temperature=0.9, seed=0)
    assert generate(*gemma, prompt, max_new_tokens=10, temperature=0.9, seed=0) == a
    others = {generate(*gemma, prompt, max_new_tokens=10, temperature=0.9, seed=s) for s in (1, 2, 3)}
    assert len(others | {a}) > 1


def test_chat_template_applied_only_for_instruct_models(smol, gemma):
    assert uses_chat_template(smol[0]) and not uses_chat_template(gemma[0])
    rendered = render_prompt(smol[0], "Hello")
    assert rendered.startswith("<|im_start|>system") and rendered.endswith("<|im_start|>assistant\n")
    assert render_prompt(gemma[0], "Hello") == "Hello"
    with pytest.raises(ValueError, match="no chat template"):
        render_prompt(gemma[0], "Hello", chat=True)


def test_next_token_table(gemma):
    table = next_token_table(*gemma, "The capital of France is", k=5)
    assert isinstance(table, pd.DataFrame) and list(table.index) == [1, 2, 3, 4, 5]
    assert list(table.columns) == ["token", "token id", "probability"]
    probs = table["probability"].tolist()
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0
    assert all(round(p, 3) == p for p in probs)


def test_tokenize_table_and_the_korean_exercise_value(smol, gemma):
    table = tokenize_table(smol[0], "a light lunch")
    assert table["text"].tolist() == ["'a'", "' light'", "' lunch'"]
    assert len(tokenize_table(smol[0], KOREAN)) - len(tokenize_table(gemma[0], KOREAN)) == EXTRA_KOREAN_TOKENS


@pytest.mark.parametrize("bad", ["", "   \n", None])
def test_empty_prompt_is_a_clear_error(smol, bad):
    with pytest.raises(EmptyPromptError):
        generate(*smol, bad)
    with pytest.raises(EmptyPromptError):
        next_token_table(*smol, bad)


def test_bad_settings(smol):
    with pytest.raises(ValueError, match="temperature"):
        generate(*smol, "Hi", temperature=-1)
    with pytest.raises(ValueError, match="top_p"):
        generate(*smol, "Hi", temperature=1, top_p=0)
