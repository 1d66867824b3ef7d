"""Helpers for the course *Open versus closed large language models*.

Two kinds of module live here (README "Course helpers" has the full table):

- ``utils.lessons.lessonNN`` is **generated** from lesson NN's cells tagged ``export``
  (``scripts/export_lessons.py``): the formulas, loops and rules a lesson writes out in front of the learner, which
  later lessons, the helpers and the tests reuse. Edit the notebook, never these files.
- Everything else is plumbing, one concern per module: ``catalog`` (every fact about the bundled models),
  ``models`` (the verified local copy and ``load_model``), ``generation``, ``gguf_file``, ``data``, ``exercises``,
  ``bench``, ``quantize``, ``env``, ``notebook``, and per-lesson helpers for plots, widgets and data
  (``openness``, ``timeline``, ``quiz``, ``scaling``, ``tinytrain``, ``architecture``, ``lineage``, ``scoring``,
  ``pricing``, ``decision``, ``finetune``).

Importing ``utils`` itself is cheap: torch and transformers load only when a model is needed.
"""

COURSE_REPO = "https://github.com/open-llm-course/open-vs-closed-llms"
"""Where the course lives; the Colab badges and the Colab set-up cell point here."""
