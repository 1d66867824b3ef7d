"""Colab's kernel class, by name: ``google.colab._kernel.Kernel``, whose shell is ``google.colab._shell.Shell``.

The emulation starts it with ``--IPKernelApp.kernel_class=google.colab._kernel.Kernel``.
"""
from ipykernel.ipkernel import IPythonKernel
from traitlets import Type

from . import _shell


class Kernel(IPythonKernel):
    shell_class = Type(_shell.Shell)
