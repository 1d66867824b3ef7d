"""Optional: send the lesson's prompts to an OpenAI-compatible chat endpoint (a closed model's API, or a
local server such as Ollama, llama.cpp's ``llama-server`` or vLLM, which speak the same protocol).

The key and address come from environment variables only, never from a notebook:

- ``OPEN_LLM_COURSE_API_KEY``   the API key (for a local server that needs none, any text, e.g. ``local``)
- ``OPEN_LLM_COURSE_BASE_URL``  default ``https://api.openai.com/v1``; Ollama: ``http://localhost:11434/v1``
- ``OPEN_LLM_COURSE_MODEL``     default ``gpt-4o-mini``; for Ollama e.g. ``llama3.2:1b``

Course-specific names, not ``OPENAI_API_KEY``: running the course's tests on a machine that happens to
hold an OpenAI key must not send requests. Only the standard library is used (urllib).
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

KEY_ENV = "OPEN_LLM_COURSE_API_KEY"
URL_ENV = "OPEN_LLM_COURSE_BASE_URL"
MODEL_ENV = "OPEN_LLM_COURSE_MODEL"
DEFAULT_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"


class EndpointError(RuntimeError):
    """The endpoint could not be reached or answered with an error."""


def settings() -> dict | None:
    """``{"base_url", "model", "key"}`` from the environment, or None when no key is set."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        return None
    return {
        "base_url": (os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/"),
        "model": os.environ.get(MODEL_ENV) or DEFAULT_MODEL,
        "key": key,
    }


def skip_reason() -> str | None:
    """Why the closed-model comparison is skipped, in plain words; None when it can run."""
    if settings() is None:
        return (f"Skipped: the environment variable {KEY_ENV} is not set, so no prompt was sent anywhere. "
                f"To compare with a closed model (or a local server), set {KEY_ENV} (and optionally "
                f"{URL_ENV}, {MODEL_ENV}) in the shell before starting Jupyter; never type a key into a notebook.")
    return None


def chat(prompt: str, max_tokens: int = 60, temperature: float = 0.0, timeout: float = 60) -> str:
    """One chat completion for ``prompt`` (a single user message); returns the answer text."""
    config = settings()
    if config is None:
        raise EndpointError(skip_reason())
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("The prompt is empty.")
    body = json.dumps({
        "model": config["model"],
        "messages": [{"role": "user", "content": prompt}],
        "max_tokens": max_tokens,
        "temperature": temperature,
    }).encode()
    request = urllib.request.Request(
        config["base_url"] + "/chat/completions",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config['key']}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as err:  # the message never contains the key
        raise EndpointError(f"The endpoint answered HTTP {err.code} ({err.reason}): check {URL_ENV}, {MODEL_ENV} and the key.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise EndpointError(f"Could not reach {config['base_url']}: {getattr(err, 'reason', err)}.") from None
    try:
        return answer["choices"][0]["message"]["content"].strip()
    except (KeyError, IndexError, TypeError, AttributeError):
        raise EndpointError("The endpoint's answer is not an OpenAI-style chat completion.") from None


def compare(prompts, max_tokens: int = 60):
    """The endpoint's answers to ``prompts`` as a pandas Series (an error text in place of a failed answer)."""
    import pandas as pd

    config = settings()
    if config is None:
        raise EndpointError(skip_reason())
    answers = []
    for prompt in prompts:
        try:
            answers.append(chat(prompt, max_tokens=max_tokens))
        except EndpointError as err:
            answers.append(f"[error: {err}]")
    return pd.Series(answers, index=pd.Index(list(prompts), name="prompt"), name=config["model"])
