"""Exercise of the start notebook."""
from ..i18n import tr
from . import exercise


@exercise(
    "00.1",
    "Which bundled model is a *base* model: it continues text and has no chat template? Give its catalog name.",
    solution="gemma-3-270m",
    wrong="smollm2-135m-instruct",
)
def _base_model(answer):
    from ..catalog import CATALOG

    name = str(answer).strip()
    if name not in CATALOG:
        return False, tr("Give one of the catalog names: {names}.", names=", ".join(CATALOG))
    if CATALOG[name].kind == "base":
        return True, tr("A base model has only been pre-trained to continue text; instruction tuning comes later.")
    return False, tr("That one was instruction-tuned: its name and its chat template give it away. "
                     "Look at the 'kind' column.")
