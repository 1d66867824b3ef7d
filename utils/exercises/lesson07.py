"""Exercises of lesson 07 (fine-tuning in miniature)."""
from __future__ import annotations

from ..i18n import tr
from . import close, exercise

LINEAGE = {"alpaca", "vicuna", "guanaco"}


@exercise(
    "07.1",
    "ROUGE-L F1 between 'What is the capital of Spain?' and 'What is the capital city of Spain?' (3 decimals).",
    solution=0.923,
    wrong=0.857,
)
def _rouge(answer):
    value = float(answer)
    if not 0 <= value <= 1:
        return False, tr("ROUGE-L F1 lies between 0 and 1.")
    if close(value, 12 / 13, rel=0.005):
        return True, tr("F1 = 2PR/(P+R) with P = 6/6 and R = 6/7. At 0.92 the Self-Instruct filter (0.7) rejects it.")
    if close(value, 6 / 7, rel=0.005):
        return False, tr("That is the recall alone. ROUGE-L F1 combines precision and recall.")
    return False, tr("Count the words each question has and the longest run of words they share in order (LCS).")


@exercise(
    "07.2",
    "LoRA with r = 16 on one 4096 x 4096 projection: how many trainable numbers does it add?",
    solution=131_072,
    wrong=65_536,
)
def _lora_big(answer):
    value = int(answer)
    if value == 131_072:
        return True, tr("r x (d_in + d_out): 0.8 % of the 16.8 million numbers in the frozen weight.")
    if value == 65_536:
        return False, tr("That is one of the two small matrices. LoRA trains both A and B.")
    if value == 4096 * 4096:
        return False, tr("That is the full weight, which LoRA leaves frozen.")
    return False, tr("LoRA adds a d_out x r matrix B and an r x d_in matrix A beside the frozen weight.")


@exercise(
    "07.3",
    "Our LoRA used r = 8 on every linear layer of SmolLM2-135M. How many trainable parameters with r = 4?",
    solution=1_221_120,
    wrong=2_442_240,
)
def _lora_ours(answer):
    value = int(answer)
    if value == 1_221_120:
        return True, tr("The count is linear in r: half the rank, half the adapter (and half the file).")
    if value == 2_442_240:
        return False, tr("That is the count for r = 8, printed in the notebook. What changes with r?")
    return False, tr("Use ft.lora_count_for(merged, r=4), or reason from the r = 8 count printed above.")


@exercise(
    "07.4",
    "Which of Alpaca, Vicuna and Guanaco were fine-tuned on text written by OpenAI models? (a set of names)",
    solution={"Alpaca", "Vicuna"},
    wrong={"Alpaca", "Vicuna", "Guanaco"},
)
def _lineage(answer):
    if isinstance(answer, str):
        answer = [answer]
    names = {str(a).strip().lower() for a in answer}
    unknown = names - LINEAGE
    if unknown:
        return False, tr("Answer with names from Alpaca, Vicuna and Guanaco (not {unknown}).", unknown=sorted(unknown))
    if names == {"alpaca", "vicuna"}:
        return True, tr("Both are distilled from OpenAI outputs, which is one reason both were released for "
                         "non-commercial research use only.")
    if "guanaco" in names:
        return False, tr("Look again at Guanaco's data: who wrote the OASST1 conversations?")
    return False, tr("One model is missing: check the data column of the lineage table.")
