"""What a GGUF file says about itself: its header of metadata and its list of tensors, not the weights (lesson 02).

- ``read_gguf_header(path)``: the metadata (name, architecture, licence, quantization...) and every tensor's
  name, shape and storage type. Large arrays (the vocabulary) are summarised, not read.
- ``size_mib(path)``: a file's size in MiB, rounded to 0.1: the one place the course computes it.
- ``gguf_summary(name)`` / ``provenance_table()``: the fields a learner checks, for the bundled models.

Reading the header ourselves (with the ``gguf`` library's type tables) takes a fraction of a second; the
library's full ``GGUFReader`` also parses every vocabulary entry, several seconds for Gemma's 262,144 tokens.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .i18n import tr

if TYPE_CHECKING:  # for the type hints only: pandas loads when a function needs it
    import pandas as pd

MIB = 2**20


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
    tensors: list = field(default_factory=list)  # (name, shape, storage type name)

    @property
    def parameters(self) -> int:
        """Numbers stored in all tensors: the product of each shape, summed."""
        total = 0
        for _, shape, _ in self.tensors:
            count = 1
            for dim in shape:
                count *= int(dim)
            total += count
        return total

    def tensor_types(self) -> dict[str, int]:
        """How many tensors are stored in each type, most common first."""
        counts: dict[str, int] = {}
        for _, _, kind in self.tensors:
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


_SCALAR_FORMATS = {  # GGUFValueType name -> struct format (little-endian)
    "UINT8": "<B", "INT8": "<b", "UINT16": "<H", "INT16": "<h", "UINT32": "<I", "INT32": "<i",
    "FLOAT32": "<f", "BOOL": "<?", "UINT64": "<Q", "INT64": "<q", "FLOAT64": "<d",
}


def read_gguf_header(path: str | Path, array_head: int = 5) -> GGUFHeader:
    """Read the metadata and the tensor list of a GGUF file (versions 2 and 3), not the weights.

    Arrays longer than ``array_head`` items (the vocabulary) are skipped and summarised as ``ArrayInfo``.
    """
    import gguf

    path = Path(path)
    if not path.is_file():
        raise GGUFMetadataError(tr("No file at {file!r}: give the path of a .gguf file (utils.models.gguf_path(name)).",
                                  file=path.name))
    value_types = {int(t): t.name for t in gguf.GGUFValueType}

    with open(path, "rb") as f:

        def read(fmt):
            size = struct.calcsize(fmt)
            data = f.read(size)
            if len(data) != size:
                raise GGUFMetadataError(tr("{file} ends in the middle of its header: the file is truncated.",
                                          file=path.name))
            return struct.unpack(fmt, data)[0]

        def read_string():
            length = read("<Q")
            if length > 1 << 30:
                raise GGUFMetadataError(tr("{file}: implausible string length {length}; the file is damaged.",
                                          file=path.name, length=length))
            return f.read(length).decode("utf-8", errors="replace")

        def read_value(type_id):
            name = value_types.get(type_id)
            if name is None:
                raise GGUFMetadataError(tr("{file}: unknown metadata value type {type_id}; the file is damaged.",
                                          file=path.name, type_id=type_id))
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
            raise GGUFMetadataError(tr("{file} is not a GGUF file (it starts with {magic!r}, not b'GGUF').", file=path.name,
                                      magic=magic))
        version = read("<I")
        if version not in (2, 3):
            raise GGUFMetadataError(tr("{file}: GGUF version {version} is not supported (only 2 and 3).", file=path.name,
                                      version=version))
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


def file_type_name(value) -> str:
    """The name of a ``general.file_type`` number (3 -> "Q4_1"), as llama.cpp calls it."""
    import gguf

    try:
        return gguf.LlamaFileType(int(value)).name.removeprefix("MOSTLY_")
    except (ValueError, TypeError):
        return f"unknown ({value})"


def size_mib(path: str | Path) -> float:
    """The size of a file in MiB (2**20 bytes), rounded to 0.1."""
    return round(Path(path).stat().st_size / MIB, 1)


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
        "quantization (file type)": file_type_name(meta.get("general.file_type")),
        "tensor types": ", ".join(f"{k}: {v}" for k, v in header.tensor_types().items()),
        "layers": meta.get(f"{arch}.block_count"),
        "context length": meta.get(f"{arch}.context_length"),
        "size on disk (bytes)": path.stat().st_size,
        "size on disk (MiB)": size_mib(path),
    }


def provenance_table(names: Iterable[str] | None = None) -> "pd.DataFrame":
    """``gguf_summary`` of several bundled models side by side (rows: fields; columns: models)."""
    import pandas as pd

    from .catalog import CATALOG

    names = list(CATALOG) if names is None else list(names)
    return pd.DataFrame({name: gguf_summary(name) for name in names}).astype(str)
