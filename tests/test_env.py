"""The start notebook's environment check: it knows whether it runs locally or in Colab."""
import sys
import types

import pytest

from utils import env


@pytest.fixture
def colab(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


def test_locally_it_checks_what_setup_sh_installs(capsys):
    assert not env.in_colab()
    assert [p.name for p in env.requirement_files()] == ["requirements.txt", "requirements-nodeps.txt"]
    assert env.check_requirements() is True  # the test machine was set up with setup.sh
    out = capsys.readouterr().out
    assert "of requirements.txt and requirements-nodeps.txt are installed and inside their tested ranges" in out
    assert "Colab" not in out


def test_in_colab_it_checks_what_the_set_up_cell_installs_and_names_what_colab_keeps(colab, capsys):
    assert [p.name for p in env.requirement_files()] == ["requirements-colab.txt", "requirements-nodeps.txt"]
    env.check_requirements()
    out = capsys.readouterr().out
    assert out.startswith("Running in Google Colab. Colab keeps its own torch ")
    for name in env.COLAB_KEEPS:
        assert f"{name} " in out
    assert "setup.sh" not in out  # no advice that cannot apply in Colab
    report = env.environment_report()
    assert report.loc["Running in", "value"] == "Google Colab"
    assert "jupyterlab" not in report.index and "nbval" not in report.index
    assert report.loc["torch", "value"].endswith("(Colab's own)")


def test_a_package_upgraded_after_import_asks_for_a_restart(colab, monkeypatch, capsys, tmp_path):
    fake = types.ModuleType("transformers")
    fake.__version__ = "5.15.0"  # what Colab's session had imported before the set-up cell upgraded it
    monkeypatch.setitem(sys.modules, "transformers", fake)
    pins = tmp_path / "pins.txt"
    pins.write_text("transformers>=5.23,<5.24\n")
    problems = env.requirement_problems([pins])
    assert problems == [f"transformers 5.15.0 is loaded in this session, but {env._version('transformers')} is installed"]
    monkeypatch.setattr(env, "requirement_files", lambda: [pins])
    assert env.check_requirements() is False
    assert "Runtime > Restart session" in capsys.readouterr().out


def test_out_of_range_and_missing_packages_are_named(tmp_path, capsys):
    pins = tmp_path / "pins.txt"
    pins.write_text("# comment\nnumpy<1\nno-such-package-anywhere==1.0\n")
    problems = env.requirement_problems([pins])
    assert problems[0].startswith("numpy ") and "outside the tested range <1" in problems[0]
    assert problems[1] == "no-such-package-anywhere is not installed (wanted ==1.0)"
    assert env.check_requirements([pins]) is False
    assert "bash setup.sh --no-lab" in capsys.readouterr().out
