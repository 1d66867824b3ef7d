"""Lesson 06's decision guide (utils.decision): the profiles, weights, bad keys, and the criteria table."""
import pytest

from utils import decision


def test_recommendations_of_the_profiles_by_hand():
    r = {name: decision.recommend(answers) for name, answers in decision.PROFILES.items()}
    # large company: local 3 (data) + 2 (compliance) + 1 (volume) = 6 against API 3 (quality)
    assert (r["large company (regulated)"].choice, r["large company (regulated)"].local_score,
            r["large company (regulated)"].api_score) == ("local model", 6, 3)
    # startup: API 3 (quality) + 2 (ops) + 2 (spiky) + 1 (time to market) = 8 against 0
    assert (r["startup"].choice, r["startup"].api_score, r["startup"].local_score) == ("API", 8, 0)
    assert len(r["startup"].reasons) == 4
    # in between: local 2 (customization) + 1 (volume) = 3 against API 3 (quality): a tie
    assert r["in between"].choice.startswith("either") and r["in between"].api_score == 3
    # domain sLLM: local 3 (data) + 2 (customization) + 1 (volume) = 6 against API 1 (time to market)
    assert (r["domain sLLM"].choice, r["domain sLLM"].local_score, r["domain sLLM"].api_score) == ("local model", 6, 1)


def test_weights_change_the_answer_and_bad_input_is_refused():
    answers = {"data_must_stay_inside": True, "needs_top_quality": True}
    assert decision.recommend(answers).choice.startswith("either")  # 3 : 3
    assert decision.recommend(answers, weights={"needs_top_quality": 4}).choice == "API"  # 4 : 3
    with pytest.raises(KeyError, match="Unknown criteria"):
        decision.recommend({"cheap": True})
    with pytest.raises(KeyError, match="unknown criteria"):
        decision.recommend({}, weights={"cheap": 1})
    with pytest.raises(ValueError, match=">= 0"):
        decision.recommend({"no_ops_team": True}, weights={"no_ops_team": -1})


def test_a_no_answer_counts_nothing_and_reasons_say_why():
    r = decision.recommend({"offline_or_on_device": True, "no_ops_team": False})
    assert (r.api_score, r.local_score) == (0, 3)
    assert str(r).splitlines() == ["Recommendation: local model (API 0 : local 3)",
                                   "  - local +3: only a model you run yourself works offline"]


def test_criteria_table_and_profiles_use_known_keys():
    t = decision.criteria_table()
    assert list(t.index) == [c.key for c in decision.CRITERIA] and t.index.is_unique
    assert set(t["favours"]) == {"api", "local"}
    assert t["weight"].between(1, 3).all()
    for answers in decision.PROFILES.values():
        assert set(answers) <= set(t.index)
