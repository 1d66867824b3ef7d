"""Open versus closed, with data: a model's own GGUF metadata, the openness matrix, the release timeline,
the myth-or-fact quiz and a latency measurement of a local model (lesson 02).

- ``read_gguf_header(path)`` / ``gguf_summary(name)``: what a bundled model's GGUF file says about itself
  (name, architecture, licence, parameter count, quantization type, size on disk).
- ``load_matrix()``, ``openness_scores()``, ``classify()``, ``plot_openness_matrix()``: the openness matrix
  in ``assets/openness_matrix.csv`` (every row sourced) as a table and a colour-coded heatmap.
- ``load_timeline()``, ``plot_timeline()``: closed and open releases 2019-2025 on one chart.
- ``load_myths()``, ``myth_quiz()``, ``score_myths()``: the myth-or-fact exercise.
- ``time_local_answer()``: how long the local model takes to answer (varies run to run).

Reading the header ourselves (with the ``gguf`` library's type tables) takes a fraction of a second; the
library's full ``GGUFReader`` also parses every vocabulary entry, about 10 s for Gemma's 262k tokens.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

# --------------------------------------------------------------------------------------------------
# GGUF metadata
# --------------------------------------------------------------------------------------------------


class GGUFMetadataError(ValueError):
    """A file that is not a readable GGUF file."""


@dataclass(frozen=True)
class ArrayInfo:
    """A metadata array, summarised: its item type, its length and its first few items."""

    item_type: str
    length: int
    head: tuple

    def __repr__(self) -> str:
        return f"<array of {self.length} {self.item_type}>"


@dataclass
class GGUFHeader:
    version: int
    metadata: dict
    tensors: list = field(default_factory=list)  # (name, shape, quantization type name)

    @property
    def parameters(self) -> int:
        total = 0
        for _, shape, _ in self.tensors:
            count = 1
            for dim in shape:
                count *= int(dim)
            total += count
        return total

    def tensor_types(self) -> dict:
        """How many tensors are stored in each quantization type, most common first."""
        counts: dict[str, int] = {}
        for _, _, kind in self.tensors:
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


_SCALAR_FORMATS = {  # GGUFValueType name -> struct format (little-endian)
    "UINT8": "<B", "INT8": "<b", "UINT16": "<H", "INT16": "<h", "UINT32": "<I", "INT32": "<i",
    "FLOAT32": "<f", "BOOL": "<?", "UINT64": "<Q", "INT64": "<q", "FLOAT64": "<d",
}


def read_gguf_header(path, array_head: int = 5) -> GGUFHeader:
    """Read the metadata and the tensor list of a GGUF file (versions 2 and 3), not the weights.

    Large arrays (the vocabulary) are skipped and summarised as ``ArrayInfo``.
    """
    import gguf

    path = Path(path)
    if not path.is_file():
        raise GGUFMetadataError(f"No file at {path.name!r}: give the path of a .gguf file (utils.models.gguf_path(name)).")
    value_types = {int(t): t.name for t in gguf.GGUFValueType}

    with open(path, "rb") as f:

        def read(fmt):
            size = struct.calcsize(fmt)
            data = f.read(size)
            if len(data) != size:
                raise GGUFMetadataError(f"{path.name} ends in the middle of its header: the file is truncated.")
            return struct.unpack(fmt, data)[0]

        def read_string():
            length = read("<Q")
            if length > 1 << 30:
                raise GGUFMetadataError(f"{path.name}: implausible string length {length}; the file is damaged.")
            return f.read(length).decode("utf-8", errors="replace")

        def read_value(type_id):
            name = value_types.get(type_id)
            if name is None:
                raise GGUFMetadataError(f"{path.name}: unknown metadata value type {type_id}; the file is damaged.")
            if name == "STRING":
                return read_string()
            if name == "ARRAY":
                item_id, length = read("<I"), read("<Q")
                item_name = value_types.get(item_id, str(item_id))
                if item_name in _SCALAR_FORMATS and length > array_head:
                    head = tuple(read_value(item_id) for _ in range(array_head))
                    f.seek((length - array_head) * struct.calcsize(_SCALAR_FORMATS[item_name]), 1)
                    return ArrayInfo(item_name, length, head)
                items = []
                for index in range(length):
                    if item_name == "STRING" and index >= array_head:
                        f.seek(read("<Q"), 1)  # skip the text, keep only the count
                    else:
                        items.append(read_value(item_id))
                if length > array_head:
                    return ArrayInfo(item_name, length, tuple(items[:array_head]))
                return items
            return read(_SCALAR_FORMATS[name])

        magic = f.read(4)
        if magic != b"GGUF":
            raise GGUFMetadataError(f"{path.name} is not a GGUF file (it starts with {magic!r}, not b'GGUF').")
        version = read("<I")
        if version not in (2, 3):
            raise GGUFMetadataError(f"{path.name}: GGUF version {version} is not supported (only 2 and 3).")
        n_tensors, n_kv = read("<Q"), read("<Q")
        metadata = {}
        for _ in range(n_kv):
            key = read_string()
            metadata[key] = read_value(read("<I"))
        tensors = []
        for _ in range(n_tensors):
            name = read_string()
            n_dims = read("<I")
            shape = tuple(read("<Q") for _ in range(n_dims))
            kind = read("<I")
            read("<Q")  # offset of the data
            try:
                kind_name = gguf.GGMLQuantizationType(kind).name
            except ValueError:
                kind_name = f"type {kind}"
            tensors.append((name, shape, kind_name))
    return GGUFHeader(version, metadata, tensors)


def _file_type_name(value) -> str:
    import gguf

    try:
        return gguf.LlamaFileType(int(value)).name.removeprefix("MOSTLY_")
    except (ValueError, TypeError):
        return f"unknown ({value})"


def gguf_summary(name: str) -> dict:
    """What the GGUF file of bundled model ``name`` says about itself (see ``utils.catalog.CATALOG``)."""
    from .models import gguf_path

    path = gguf_path(name)
    header = read_gguf_header(path)
    meta = header.metadata
    arch = meta.get("general.architecture", "?")
    return {
        "name (general.name)": meta.get("general.name", "?"),
        "organization": meta.get("general.organization", "(not recorded)"),
        "architecture": arch,
        "licence (general.license)": meta.get("general.license", "(not recorded)"),
        "parameters": header.parameters,
        "quantization (file type)": _file_type_name(meta.get("general.file_type")),
        "tensor types": ", ".join(f"{k}: {v}" for k, v in header.tensor_types().items()),
        "layers": meta.get(f"{arch}.block_count"),
        "context length": meta.get(f"{arch}.context_length"),
        "size on disk (bytes)": path.stat().st_size,
        "size on disk (MiB)": round(path.stat().st_size / 2**20, 1),
    }


def provenance_table(names=None):
    """``gguf_summary`` of several bundled models side by side (rows: fields; columns: models)."""
    import pandas as pd

    from .catalog import CATALOG

    names = list(CATALOG) if names is None else list(names)
    return pd.DataFrame({name: gguf_summary(name) for name in names}).astype(str)


LICENCE_ALIASES = {"apache-2.0": "Apache-2.0", "mit": "MIT", "gemma": "Gemma Terms of Use"}
"""GGUF ``general.license`` ids and the licence names the matrix uses."""

MATRIX_ROW = {"smollm2-135m-instruct": "SmolLM2-135M-Instruct", "gemma-3-270m": "Gemma 3 270M"}


def compare_with_matrix(names=None, matrix=None):
    """Does each bundled model's own file agree with the openness matrix and the course catalog?"""
    import pandas as pd

    from .catalog import CATALOG

    matrix = load_matrix() if matrix is None else matrix
    names = list(CATALOG) if names is None else list(names)
    rows = []
    for name in names:
        summary = gguf_summary(name)
        file_licence = summary["licence (general.license)"]
        matrix_row = matrix.set_index("model").loc[MATRIX_ROW[name]]
        rows.append(
            {
                "model": name,
                "licence in the GGUF file": file_licence,
                "licence in the matrix": matrix_row["licence"],
                "licences agree": LICENCE_ALIASES.get(str(file_licence).lower()) == matrix_row["licence"],
                "parameters in the file": summary["parameters"],
                "parameters in the catalog": CATALOG[name].parameters,
                "category in the matrix": matrix_row["category"],
            }
        )
    return pd.DataFrame(rows).set_index("model")


# --------------------------------------------------------------------------------------------------
# the openness matrix
# --------------------------------------------------------------------------------------------------
LEVELS = {"no": 0.0, "partial": 0.5, "yes": 1.0}
CRITERIA = {
    "weights": "weights released",
    "training_code": "training code",
    "training_data": "training data",
    "eval_code": "evaluation code",
    "licence_osi_approved": "OSI-approved licence",
    "commercial_use": "commercial use",
}
"""Matrix columns (yes / partial / no) and their labels. Commercial use is shown but not scored: a
closed API can be used commercially, which says nothing about how open the model is."""
SCORED = ["weights", "training_code", "training_data", "eval_code", "licence_osi_approved"]
CATEGORIES = (
    "closed (API only)",
    "research only",
    "open weights (restrictive terms)",
    "open weights (OSI licence)",
    "fully open",
)
MATRIX_COLUMNS = ("model", "organization", "release_date", "category", *CRITERIA, "licence",
                  "osi_osaid_1_0", "bundled", "source_artifacts")


def load_matrix():
    """``assets/openness_matrix.csv``, validated: sources, dates, and only yes/partial/no in the criteria."""
    from .data import DataFileError, read_table

    df = read_table("openness_matrix.csv", date_columns=("release_date",), required=MATRIX_COLUMNS)
    for column in CRITERIA:
        bad = sorted(set(df[column]) - set(LEVELS))
        if bad:
            raise DataFileError(f"assets/openness_matrix.csv: column {column!r} has {bad}; use yes, partial or no.")
    bad = sorted(set(df["category"]) - set(CATEGORIES))
    if bad:
        raise DataFileError(f"assets/openness_matrix.csv: unknown categories {bad}; use one of {CATEGORIES}.")
    empty = df["source_artifacts"].isna() | (df["source_artifacts"].astype(str).str.strip() == "")
    if empty.any():
        raise DataFileError(f"assets/openness_matrix.csv: rows {list(df.index[empty])} have no source_artifacts.")
    return df


def openness_scores(matrix=None):
    """The criteria as numbers (no 0, partial 0.5, yes 1) plus ``score``: the mean of the scored criteria."""
    matrix = load_matrix() if matrix is None else matrix
    values = matrix.set_index("model")[list(CRITERIA)]
    unknown = sorted(set(values.to_numpy().ravel()) - set(LEVELS))
    if unknown:
        raise ValueError(f"Criteria must be yes, partial or no; found {unknown}.")
    scores = values.apply(lambda column: column.map(LEVELS)).astype(float)
    scores["score"] = scores[SCORED].mean(axis=1).round(2)
    return scores


def classify(row) -> str:
    """The openness category that a matrix row's criteria imply (a dict or a pandas row)."""
    for column in ("weights", "training_code", "training_data", "licence_osi_approved", "commercial_use"):
        if row[column] not in LEVELS:
            raise ValueError(f"{column} must be yes, partial or no, got {row[column]!r}.")
    if row["commercial_use"] == "no":
        return "research only"
    if row["weights"] == "no":
        return "closed (API only)"
    if row["licence_osi_approved"] != "yes":
        return "open weights (restrictive terms)"
    if row["training_code"] == "yes" and row["training_data"] == "yes" and row["weights"] == "yes":
        return "fully open"
    return "open weights (OSI licence)"


def matrix_table(matrix=None):
    """The matrix as a readable table: one row per model, most open first."""
    matrix = load_matrix() if matrix is None else matrix
    scores = openness_scores(matrix)["score"]
    table = matrix.set_index("model")[["organization", "category", *CRITERIA, "licence"]].copy()
    table.insert(2, "score", scores)
    table = table.rename(columns=CRITERIA)
    return table.sort_values(["score", "organization"], ascending=[False, True])


def plot_openness_matrix(matrix=None):
    """A colour-coded heatmap of the matrix: red no, amber partial, green yes; hover shows the sources."""
    import plotly.graph_objects as go

    matrix = load_matrix() if matrix is None else matrix
    scores = openness_scores(matrix)
    order = scores.sort_values("score", kind="stable").index.tolist()  # most open at the top
    rows = matrix.set_index("model").loc[order]
    z = [[LEVELS[rows.loc[m, c]] for c in CRITERIA] for m in order]
    text = [[rows.loc[m, c] for c in CRITERIA] for m in order]
    hover = [
        [
            f"<b>{m}</b><br>{CRITERIA[c]}: {rows.loc[m, c]}<br>licence: {rows.loc[m, 'licence']}"
            f"<br>source: {rows.loc[m, 'source' if c in ('weights', 'licence_osi_approved', 'commercial_use') else 'source_artifacts']}"
            for c in CRITERIA
        ]
        for m in order
    ]
    labels = [f"{m} ★" if rows.loc[m, "bundled"] == "yes" else m for m in order]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=list(CRITERIA.values()), y=labels, text=text, texttemplate="%{text}",
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            colorscale=[[0, "#d7301f"], [0.5, "#fdae61"], [1, "#1a9850"]], zmin=0, zmax=1, showscale=False,
            xgap=2, ygap=2,
        )
    )
    fig.update_layout(
        title="How open is each model? (★ = runs in this course; hover for sources)",
        height=140 + 28 * len(order), margin=dict(l=10, r=10, t=60, b=10),
        xaxis=dict(side="top"),
    )
    return fig


# --------------------------------------------------------------------------------------------------
# the timeline
# --------------------------------------------------------------------------------------------------
def load_timeline():
    """``assets/timeline_releases.csv``: dated closed and open releases, each with its source."""
    from .data import DataFileError, read_table

    df = read_table("timeline_releases.csv", date_columns=("date",),
                    required=("date", "event", "organization", "access"))
    bad = sorted(set(df["access"]) - {"closed", "open", "milestone"})
    if bad:
        raise DataFileError(f"assets/timeline_releases.csv: access values {bad}; use closed, open or milestone.")
    return df.sort_values("date", kind="stable").reset_index(drop=True)


def plot_timeline(timeline=None, start: str = "2019-01-01", end: str = "2025-12-31"):
    """Closed and open releases on one chart: one lane each, hover shows date, organization and source."""
    import plotly.graph_objects as go

    timeline = load_timeline() if timeline is None else timeline
    lanes = {"closed": ("closed (API only)", "#d7301f", 0), "open": ("open weights", "#1a9850", 1),
             "milestone": ("definitions", "#4575b4", 2)}
    fig = go.Figure()
    for access, (label, colour, lane) in lanes.items():
        part = timeline[timeline["access"] == access]
        if part.empty:
            continue
        dates = part["date"].dt.strftime("%Y-%m-%d").tolist()
        # alternate label positions so that neighbouring releases do not overlap
        positions = ["top center" if i % 2 == 0 else "bottom center" for i in range(len(part))]
        fig.add_trace(
            go.Scatter(
                x=dates, y=[lane] * len(part), mode="markers+text", name=label,
                marker=dict(size=11, color=colour), text=part["event"].str.split(r"[:(;]").str[0].str.strip().tolist(),
                textposition=positions, textfont=dict(size=9),
                customdata=list(zip(dates, part["date_precision"], part["organization"], part["event"], part["source"])),
                hovertemplate="<b>%{customdata[3]}</b><br>%{customdata[0]} (%{customdata[1]})"
                "<br>%{customdata[2]}<br>source: %{customdata[4]}<extra></extra>",
            )
        )
    fig.update_layout(
        title="Closed and open releases, 2019-2025 (hover for date and source)", height=460,
        yaxis=dict(tickvals=[0, 1, 2], ticktext=[v[0] for v in lanes.values()], range=[-0.7, 2.7]),
        xaxis=dict(range=[start, end]), showlegend=False, margin=dict(l=10, r=10, t=60, b=10),
    )
    return fig


# --------------------------------------------------------------------------------------------------
# myth or fact
# --------------------------------------------------------------------------------------------------
VERDICTS = ("myth", "fact")


def load_myths():
    """``assets/myths_claims.csv``: claims, the verdict, why, and the source."""
    from .data import DataFileError, read_table

    df = read_table("myths_claims.csv", required=("id", "claim", "verdict", "explanation"))
    bad = sorted(set(df["verdict"]) - set(VERDICTS))
    if bad:
        raise DataFileError(f"assets/myths_claims.csv: verdicts {bad}; use myth or fact.")
    return df.set_index("id")


def _normalise_verdict(value) -> str:
    text = str(value).strip().lower()
    if text not in VERDICTS:
        raise ValueError(f"Answer 'myth' or 'fact', not {value!r}.")
    return text


def score_myths(answers: dict, myths=None):
    """Your verdicts next to the sourced ones: a table with one row per claim you answered."""
    import pandas as pd

    myths = load_myths() if myths is None else myths
    if not isinstance(answers, dict) or not answers:
        raise ValueError("Give your answers as a dict {claim id: 'myth' or 'fact'}, e.g. {1: 'myth'}.")
    rows = []
    for key, value in answers.items():
        if key not in myths.index:
            raise ValueError(f"There is no claim {key!r}; the claims are numbered {myths.index.min()}-{myths.index.max()}.")
        verdict = _normalise_verdict(value)
        row = myths.loc[key]
        rows.append({"id": key, "claim": row["claim"], "your answer": verdict, "verdict": row["verdict"],
                     "right": verdict == row["verdict"], "source": row["source"]})
    return pd.DataFrame(rows).set_index("id")


def myth_quiz(myths=None):
    """Buttons for every claim; a click shows at once whether you were right, why, and the source.

    For exploring: what a click shows is not part of the stored notebook (score_myths is).
    """
    import html

    import ipywidgets as widgets

    myths = load_myths() if myths is None else myths
    items = []
    for key, row in myths.iterrows():
        feedback = widgets.HTML(value="")

        def on_click(button, row=row, feedback=feedback):
            guess = button.description.lower()
            mark = "✅ Right" if guess == row["verdict"] else "❌ Not quite"
            feedback.value = (f"{mark}: it is a <b>{row['verdict']}</b>. {html.escape(row['explanation'])}"
                              f"<br><i>Source: {html.escape(row['source'])}</i>")

        buttons = [widgets.Button(description=v.capitalize(), layout=widgets.Layout(width="80px")) for v in VERDICTS]
        for button in buttons:
            button.on_click(on_click)
        items.append(widgets.VBox([widgets.HTML(value=f"<b>{key}.</b> {html.escape(row['claim'])}"),
                                   widgets.HBox(buttons), feedback]))
    return widgets.VBox(items)


# --------------------------------------------------------------------------------------------------
# API versus local
# --------------------------------------------------------------------------------------------------
API_VS_LOCAL = [
    ("quality", "largest, strongest models", "small models: weaker answers, more errors"),
    ("set-up", "an API key and a few lines of code", "download the weights, enough memory, a runtime"),
    ("cost", "pay per token, forever", "hardware and electricity; no per-token fee"),
    ("privacy", "prompts leave your machine", "prompts stay on your machine (on-premises)"),
    ("latency", "network round trip + queue, then a fast GPU", "no network; speed depends on your hardware"),
    ("control", "the provider can change or retire the model", "the weights you have stay the same"),
    ("customization", "only what the provider offers", "fine-tune the weights yourself"),
]
"""The seeds' pros-and-cons table of an API model versus a small local model."""


def api_vs_local_table():
    import pandas as pd

    return pd.DataFrame(API_VS_LOCAL, columns=["aspect", "closed model behind an API", "small open model, local"]).set_index("aspect")


def time_local_answer(tokenizer, model, prompt: str, new_tokens: int = 20, repeats: int = 3) -> dict:
    """Seconds for a greedy answer of exactly ``new_tokens`` tokens (best of ``repeats``, after a warm-up)."""
    import time

    import torch

    from .generation import encode, greedy_options

    if new_tokens < 1 or repeats < 1:
        raise ValueError("new_tokens and repeats must be at least 1.")
    ids = encode(tokenizer, model, prompt)
    options = dict(greedy_options(tokenizer), max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    best = float("inf")
    with torch.inference_mode():
        model.generate(ids, attention_mask=torch.ones_like(ids), **{**options, "max_new_tokens": 2, "min_new_tokens": 2})
        for _ in range(repeats):
            started = time.perf_counter()
            model.generate(ids, attention_mask=torch.ones_like(ids), **options)
            best = min(best, time.perf_counter() - started)
    return {"prompt tokens": int(ids.shape[1]), "new tokens": new_tokens, "seconds": round(best, 2),
            "tokens per second": round(new_tokens / best, 1)}
