"""utils.gguf_file: the GGUF header reader, on a file written by hand and on the bundled SmolLM2 file."""
import struct

import pytest

from utils import gguf_file as g


def _tiny_gguf(path, version=3):
    """A minimal GGUF file written by hand: three metadata keys and one 2x3 F32 tensor."""
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
    h = g.read_gguf_header(_tiny_gguf(tmp_path / "t.gguf"))
    assert h.version == 3 and h.metadata["general.license"] == "mit"
    assert h.metadata["tokenizer.ggml.tokens"].length == 7
    assert h.metadata["tokenizer.ggml.tokens"].head == tuple("abcde")
    assert repr(h.metadata["tokenizer.ggml.tokens"]) == "<array of 7 STRING>"
    assert h.parameters == 6 and h.tensor_types() == {"F32": 1}


def test_reader_rejects_bad_files(tmp_path):
    (tmp_path / "x.gguf").write_bytes(b"NOPE" + b"\0" * 20)
    with pytest.raises(g.GGUFMetadataError, match="not a GGUF file"):
        g.read_gguf_header(tmp_path / "x.gguf")
    with pytest.raises(g.GGUFMetadataError, match="version"):
        g.read_gguf_header(_tiny_gguf(tmp_path / "v1.gguf", version=1))
    data = _tiny_gguf(tmp_path / "cut.gguf").read_bytes()
    (tmp_path / "cut.gguf").write_bytes(data[:40])
    with pytest.raises(g.GGUFMetadataError, match="truncated"):
        g.read_gguf_header(tmp_path / "cut.gguf")
    with pytest.raises(g.GGUFMetadataError, match="No file"):
        g.read_gguf_header(tmp_path / "missing.gguf")


def test_size_mib_and_file_type_names(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"\0" * (3 * 2**19))  # 1.5 MiB
    assert g.size_mib(path) == 1.5
    path.write_bytes(b"\0" * (2**20 + 2**20 // 20 + 1))  # 1.05 MiB and a byte: rounds up to 1.1
    assert g.size_mib(path) == 1.1
    assert g.file_type_name(3) == "Q4_1" and g.file_type_name(15) == "Q4_K_M"
    assert g.file_type_name("x").startswith("unknown")


@pytest.mark.slow  # reads the whole GGUF file twice (about 7 s)
def test_reader_agrees_with_the_gguf_library_on_smollm2():
    import gguf

    from utils.models import gguf_path

    path = gguf_path("smollm2-135m-instruct")
    ours = g.read_gguf_header(path)
    ref = gguf.GGUFReader(path)
    assert len(ours.tensors) == len(ref.tensors)
    assert ours.parameters == sum(int(t.n_elements) for t in ref.tensors)
    for key in ("general.architecture", "general.license", "general.name", "general.file_type", "llama.context_length"):
        assert ours.metadata[key] == ref.fields[key].contents(), key


def test_summaries_of_the_bundled_models():
    from utils.catalog import CATALOG
    from utils.models import gguf_path

    s = g.gguf_summary("smollm2-135m-instruct")
    assert s["architecture"] == "llama" and s["quantization (file type)"] == "Q4_1"
    assert s["parameters"] == CATALOG["smollm2-135m-instruct"].parameters
    assert s["size on disk (MiB)"] == round(gguf_path("smollm2-135m-instruct").stat().st_size / 2**20, 1)
    gemma = g.gguf_summary("gemma-3-270m")
    assert gemma["architecture"] == "gemma3" and gemma["quantization (file type)"] == "Q4_K_M"
    assert gemma["licence (general.license)"] == "gemma"
    table = g.provenance_table()
    assert list(table.columns) == list(CATALOG) and "tensor types" in table.index
