"""Colab's error types (``google.colab.errors``), as far as libraries import them."""


class Error(Exception):
    """Base class of Colab's errors."""
