"""Lesson 02: the data files it uses, the GGUF metadata reader and the openness helpers."""
import struct

import pandas as pd
import pytest

from utils import openness as o
from utils.data import DataFileError

# ---------------------------------------------------------------------------- data files

def test_matrix_schema_values_and_sources():
    m = o.load_matrix()
    assert len(m) >= 15
    assert (m["category"] == "closed (API only)").sum() >= 4, "closed models belong in the matrix too"
    for column in o.CRITERIA:
        assert set(m[column]) <= set(o.LEVELS), column
    for column in ("source", "source_artifacts"):
        assert m[column].astype(str).str.strip().str.len().gt(5).all(), column
    assert m["release_date"].between("2019-01-01", "2025-12-31").all()
    assert m["retrieved"].between("2026-01-01", "2026-12-31").all()
    assert m["model"].is_unique
    assert set(m.loc[m.bundled == "yes", "model"]) == {"SmolLM2-135M-Instruct", "Gemma 3 270M"}


def test_matrix_categories_follow_from_the_criteria():
    m = o.load_matrix()
    for _, row in m.iterrows():
        assert o.classify(row) == row["category"], row["model"]


def test_bundled_models_sit_where_the_issue_says():
    m = o.load_matrix().set_index("model")
    assert m.loc["SmolLM2-135M-Instruct", "category"] == "fully open"
    assert m.loc["Gemma 3 270M", "category"] == "open weights (restrictive terms)"
    assert m.loc["Gemma 3 270M", "licence"] == "Gemma Terms of Use"


def test_fact_sheet_traps_are_respected():
    m = o.load_matrix().set_index("model")
    assert m.loc["GPT-3 (175B)", "weights"] == "no"  # GPT-3 was never open-sourced
    assert m.loc["Llama 2 (70B)", "commercial_use"] == "partial"  # 700M MAU clause
    assert m.loc["Mixtral 8x7B", "osi_osaid_1_0"] == "did not meet"
    myths = o.load_myths()
    by_claim = dict(zip(myths["claim"], myths["verdict"]))
    assert by_claim["OpenAI open-sourced GPT-3."] == "myth"
    assert by_claim["PaLM 2 has 540 billion parameters."] == "myth"
    assert by_claim["Mistral 7B is a Mixture-of-Experts model."] == "myth"
    assert by_claim["Gemma 3 270M is released under the Apache 2.0 licence."] == "myth"


def test_timeline_schema_and_range():
    t = o.load_timeline()
    assert t["date"].between("2019-01-01", "2025-12-31").all()
    assert {"closed", "open"} <= set(t["access"])
    assert t["source"].astype(str).str.strip().str.len().gt(5).all()
    assert set(t["date_precision"]) <= {"day", "month", "about"}
    events = " ".join(t["event"])
    for name in ("GPT-2", "GPT-3", "ChatGPT", "LLaMA", "leak", "Llama 2", "Mistral 7B", "Mixtral", "Gemma", "OLMo", "Llama 3"):
        assert name in events, name
    assert pd.Timestamp("2022-11-30") in set(t.loc[t.event.str.startswith("ChatGPT"), "date"])


def test_myths_schema():
    myths = o.load_myths()
    assert len(myths) >= 8 and myths.index.is_unique
    assert set(myths["verdict"]) == {"myth", "fact"}
    assert myths["explanation"].str.len().gt(20).all()


def test_validation_rejects_bad_rows(tmp_path, monkeypatch):
    bad = o.load_matrix().copy()
    bad.loc[0, "weights"] = "maybe"
    with pytest.raises(ValueError, match="yes, partial or no"):
        o.openness_scores(bad)
    row = dict(bad.iloc[0])
    with pytest.raises(ValueError, match="weights"):
        o.classify(row)
    with pytest.raises(DataFileError, match="no source"):
        from utils.data import validate
        validate(pd.DataFrame({"source": [""], "retrieved": ["2026-11-22"]}), "x.csv")


# ---------------------------------------------------------------------------- scores and figures

def test_scores_hand_computed():
    s = o.openness_scores()
    assert s.loc["OLMo 7B", "score"] == 1.0
    assert s.loc["GPT-4", "score"] == 0.0
    assert s.loc["Mistral 7B", "score"] == 0.4  # weights 1 + licence 1 of 5 criteria
    assert s.loc["Gemma 3 270M", "score"] == 0.3  # weights 1 + data 0.5 of 5


def test_figures_are_built_from_rounded_data():
    fig = o.plot_openness_matrix()
    z = fig.data[0].z
    assert len(z) == len(o.load_matrix()) and all(v in (0.0, 0.5, 1.0) for row in z for v in row)
    assert fig.data[0].y[-1].startswith(("OLMo", "Pythia", "SmolLM2"))  # most open on top
    tl = o.plot_timeline()
    assert sum(len(tr.x) for tr in tl.data) == len(o.load_timeline())
    assert all(len(x) == 10 for tr in tl.data for x in tr.x)


def test_score_myths_and_errors():
    table = o.score_myths({1: "Myth", 2: "fact"})
    assert table.loc[1, "right"] and not table.loc[2, "right"]
    with pytest.raises(ValueError, match="no claim"):
        o.score_myths({99: "myth"})
    with pytest.raises(ValueError, match="'myth' or 'fact'"):
        o.score_myths({1: "maybe"})
    with pytest.raises(ValueError, match="dict"):
        o.score_myths([])


# ---------------------------------------------------------------------------- GGUF metadata

def _tiny_gguf(path, version=3):
    """A minimal GGUF file written by hand: two metadata keys and one 2x3 F32 tensor."""
    def s(text):
        b = text.encode()
        return struct.pack("<Q", len(b)) + b
    body = b"GGUF" + struct.pack("<I", version) + struct.pack("<QQ", 1, 3)
    body += s("general.license") + struct.pack("<I", 8) + s("mit")
    body += s("general.file_type") + struct.pack("<I", 4) + struct.pack("<I", 0)
    body += s("tokenizer.ggml.tokens") + struct.pack("<I", 9) + struct.pack("<IQ", 8, 7) + b"".join(s(t) for t in "abcdefg")
    body += s("w") + struct.pack("<I", 2) + struct.pack("<QQ", 2, 3) + struct.pack("<I", 0) + struct.pack("<Q", 0)
    path.write_bytes(body)
    return path


def test_reader_on_a_hand_made_file(tmp_path):
    h = o.read_gguf_header(_tiny_gguf(tmp_path / "t.gguf"))
    assert h.version == 3 and h.metadata["general.license"] == "mit"
    assert h.metadata["tokenizer.ggml.tokens"].length == 7
    assert h.metadata["tokenizer.ggml.tokens"].head == tuple("abcde")
    assert h.parameters == 6 and h.tensor_types() == {"F32": 1}


def test_reader_rejects_bad_files(tmp_path):
    (tmp_path / "x.gguf").write_bytes(b"NOPE" + b"\0" * 20)
    with pytest.raises(o.GGUFMetadataError, match="not a GGUF file"):
        o.read_gguf_header(tmp_path / "x.gguf")
    with pytest.raises(o.GGUFMetadataError, match="version"):
        o.read_gguf_header(_tiny_gguf(tmp_path / "v1.gguf", version=1))
    data = _tiny_gguf(tmp_path / "cut.gguf").read_bytes()
    (tmp_path / "cut.gguf").write_bytes(data[:40])
    with pytest.raises(o.GGUFMetadataError, match="truncated"):
        o.read_gguf_header(tmp_path / "cut.gguf")
    with pytest.raises(o.GGUFMetadataError, match="No file"):
        o.read_gguf_header(tmp_path / "missing.gguf")


def test_reader_agrees_with_the_gguf_library_on_smollm2():
    import gguf

    from utils.models import gguf_path

    path = gguf_path("smollm2-135m-instruct")
    ours = o.read_gguf_header(path)
    ref = gguf.GGUFReader(path)
    assert len(ours.tensors) == len(ref.tensors)
    assert ours.parameters == sum(int(t.n_elements) for t in ref.tensors)
    for key in ("general.architecture", "general.license", "general.name", "general.file_type", "llama.context_length"):
        assert ours.metadata[key] == ref.fields[key].contents(), key


def test_bundled_models_metadata_matches_catalog_and_matrix():
    table = o.compare_with_matrix()
    assert table["licences agree"].all()
    assert (table["parameters in the file"] == table["parameters in the catalog"]).all()
    s = o.gguf_summary("smollm2-135m-instruct")
    assert s["architecture"] == "llama" and s["quantization (file type)"] == "Q4_1"
    g = o.gguf_summary("gemma-3-270m")
    assert g["architecture"] == "gemma3" and g["quantization (file type)"] == "Q4_K_M"
    assert g["licence (general.license)"] == "gemma"


def test_api_vs_local_table():
    t = o.api_vs_local_table()
    assert {"privacy", "latency", "cost"} <= set(t.index)
