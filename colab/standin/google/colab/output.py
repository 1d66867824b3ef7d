"""``google.colab.output``: the custom widget manager switches, which do nothing outside Colab's frontend.

In Colab, ``enable_custom_widget_manager()`` lets third-party widgets (ipywidgets 8 front ends among them)
render; the emulation has no frontend, so both calls only remember the setting.
"""
_custom_widget_manager = False


def enable_custom_widget_manager() -> None:
    global _custom_widget_manager
    _custom_widget_manager = True


def disable_custom_widget_manager() -> None:
    global _custom_widget_manager
    _custom_widget_manager = False


def clear(wait: bool = False, output_tags=()) -> None:
    """Colab's ``output.clear``: the same as IPython's ``clear_output``."""
    from IPython.display import clear_output

    clear_output(wait=wait)
