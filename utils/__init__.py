"""Helpers for the course *Open versus closed large language models*.

The notebooks import small, well-named functions from the modules below:

- ``utils.catalog``    the bundled models: licence, provenance, size, base or instruct
- ``utils.models``     ``load_model(name)``: GGUF -> verified local copy -> tokenizer and model
- ``utils.generation`` greedy generation, sampling, next-token tables, side-by-side comparisons
- ``utils.exercises``  automatic checks for the exercises at the end of each lesson
- ``utils.env``        the environment check of the start notebook
- ``utils.bench``      timing, memory and memory-bandwidth measurements

Importing ``utils`` itself is cheap: torch and transformers load only when a model is needed.
"""

__version__ = "0.1.0"

COURSE_REPO = "https://github.com/open-llm-course/open-vs-closed-llms"
"""Where the course lives; the Colab badges and the Colab set-up cell point here."""
