"""Quiet libraries: no progress bars or informational chatter in a lesson's stored outputs.

Its own module so that the notebook set-up (utils.notebook) and the loader (utils.models) share it without the
set-up importing the loader.
"""
from __future__ import annotations

import os


def quiet_transformers() -> None:
    """Silence transformers' progress bars and informational logging (warnings that matter still raise)."""
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
