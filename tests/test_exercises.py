"""Every exercise check accepts its solution and rejects a typical wrong answer, without revealing the solution."""
import pytest

from utils.exercises import NOT_ANSWERED, REGISTRY, check, get, is_correct, load_all

load_all()
KEYS = sorted(REGISTRY)


def test_exercises_are_registered():
    assert "00.1" in REGISTRY and "01.1" in REGISTRY


@pytest.mark.parametrize("key", KEYS)
def test_solution_passes_and_wrong_answer_fails(key):
    exercise = get(key)
    assert is_correct(key, exercise.solution()), f"{key}: the solution is rejected"
    ok, feedback = exercise.run(exercise.wrong())
    assert not ok, f"{key}: a wrong answer is accepted"
    assert feedback.strip(), f"{key}: a wrong answer gets no hint"
    assert str(exercise.solution()) not in feedback or len(str(exercise.solution())) < 2


@pytest.mark.parametrize("key", KEYS)
def test_unanswered_and_malformed_answers_are_feedback_not_crashes(key):
    assert not is_correct(key, NOT_ANSWERED)
    ok, _ = get(key).run(object())
    assert not ok


def test_check_prints_feedback(capsys):
    check("00.1", "gemma-3-270m")
    assert capsys.readouterr().out.startswith("✅ Correct.")
    check("00.1", ...)
    assert "No answer yet" in capsys.readouterr().out


def test_unknown_exercise():
    with pytest.raises(KeyError, match="Known exercises"):
        get("99.9")
