"""The code a lesson writes out in its export cells is the code the package and later lessons import."""
import importlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent / "scripts"))
import export_lessons  # noqa: E402

MODULES = export_lessons.expected_modules()


def test_generated_modules_match_their_notebooks():
    result = subprocess.run([sys.executable, str(export_lessons.ROOT / "scripts" / "export_lessons.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", sorted(MODULES), ids=lambda p: p.name)
def test_each_generated_module_imports(path):
    importlib.import_module(f"utils.lessons.{path.stem}")


def test_export_cells_may_only_define():
    assert export_lessons.definition_problems("import math\nX = 2\ndef f(x):\n    return x\n") == []
    assert export_lessons.definition_problems('"""doc"""\nclass A:\n    pass\n') == []
    assert export_lessons.definition_problems("print(1)\nfor i in range(2):\n    pass\n") == [
        "line 1: Expr is not a definition", "line 2: For is not a definition"]
