"""utils.quiz: the myth-or-fact claims of lesson 02 and the feedback on a learner's verdicts."""
import pytest

from utils import quiz


def test_myths_schema():
    myths = quiz.load_myths()
    assert len(myths) >= 8 and myths.index.is_unique
    assert set(myths["verdict"]) == {"myth", "fact"}
    assert myths["explanation"].str.len().gt(20).all()
    assert not myths["explanation"].str.contains("seed", case=False).any(), "explanations speak to learners"


def test_claims_checked_against_sources():
    by_claim = dict(zip(*[quiz.load_myths()[c] for c in ("claim", "verdict")]))
    assert by_claim["OpenAI open-sourced GPT-3."] == "myth"
    assert by_claim["PaLM 2 has 540 billion parameters."] == "myth"
    assert by_claim["Mistral 7B is a Mixture-of-Experts model."] == "myth"
    assert by_claim["Gemma 3 270M is released under the Apache 2.0 licence."] == "myth"
    # issue 15: dates, renames and sizes that popular timelines get wrong
    assert by_claim["LaMDA, Google's dialogue model, has 173 billion parameters."] == "myth"
    assert by_claim["PaLM 2 was pre-trained on 780 billion tokens."] == "myth"
    assert by_claim["Google renamed Bard to Gemini when it announced the Gemini models in December 2023."] == "myth"
    assert by_claim["LLaMA-13B outperforms GPT-3 (175B) on most benchmarks."] == "fact"


def test_new_claims_cite_primary_sources():
    myths = quiz.load_myths()
    primary = ("arXiv ", "github.com/", "openai.com/", "gemini.google.com/", "ai.google.dev/", "huggingface.co/",
               "opensource.org/", "OSI ")
    for key, row in myths.iterrows():
        assert any(host in row["source"] for host in primary), key
    assert not myths.duplicated("claim").any()


def test_score_myths_and_errors():
    table = quiz.score_myths({1: "Myth", 2: "fact"})
    assert table.loc[1, "right"] and not table.loc[2, "right"]
    assert table.loc[1, "your answer"] == "myth"  # normalised
    with pytest.raises(ValueError, match="no claim"):
        quiz.score_myths({99: "myth"})
    with pytest.raises(ValueError, match="'myth' or 'fact'"):
        quiz.score_myths({1: "maybe"})
    with pytest.raises(ValueError, match="dict"):
        quiz.score_myths([])


def test_quiz_widget_has_one_item_per_claim_and_answers_a_click():
    box = quiz.myth_quiz()
    assert len(box.children) == len(quiz.load_myths())
    first = box.children[0]
    myth_button = first.children[1].children[0]
    myth_button.click()  # claim 1 is a myth
    assert first.children[2].value.startswith("✅ Right")
