"""Colab's IPython shell class, by name: ``google.colab._shell.Shell`` (libraries look for that name)."""
from ipykernel.zmqshell import ZMQInteractiveShell


class Shell(ZMQInteractiveShell):
    """Behaves exactly as ipykernel's shell; only its module and name are Colab's."""
