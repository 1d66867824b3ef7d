"""A stand-in for Colab's ``google.colab`` package, for the Colab runtime emulation (colab/emulate.py).

Libraries find out that they run in Colab in two ways, and both are emulated:

- ``import google.colab`` succeeds (plotly 5.x then picks its ``colab`` renderer: figures become HTML;
  the set-up cell tests ``"google.colab" in sys.modules``). The emulation's kernel imports this package at
  start, as Colab's kernel does.
- the IPython shell is ``google.colab._shell.Shell`` (huggingface_hub looks for "google.colab" in
  ``str(get_ipython())`` and then asks ``google.colab.userdata`` for an ``HF_TOKEN`` secret; rich too).
  The emulation's kernel runs ``google.colab._kernel.Kernel``, whose shell is that class.

Only what the course and its libraries touch is here; every function does nothing or says "no secret".
"""
from . import errors, output, userdata  # noqa: F401

__version__ = "0.0.1+emulation"
EMULATION = True
"""Not in the real package: lets a test tell the stand-in from Colab."""
