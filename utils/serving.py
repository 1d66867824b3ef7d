"""A real OpenAI-compatible server on this machine: start, wait, stop; endpoint settings; clear errors; plots.

Lesson 08 writes the ideas out itself (the chat completion call, streaming, the concurrency measurement, in
``utils.lessons.lesson08``); this module is the plumbing around them:

- ``start_server(name)`` runs ``transformers serve`` (the server that ships with transformers) in a child
  process on 127.0.0.1, with the bundled model's verified local copy (``utils.models.ensure_local_copy``; the
  model is not loaded in this process), on a free port, and waits until ``/health`` answers. Its log goes to a
  file in the course cache, never into the notebook.
- The server stops when its ``with`` block ends, on ``stop()``, when Python exits (atexit), and when the
  process that started it dies (Linux: ``PR_SET_PDEATHSIG``, so a crashed or restarted Jupyter kernel takes its
  server with it). A pidfile in the course cache lets a later start stop an orphan left by a process that was
  killed in a way the kernel could not see (``kill -9`` on a machine without PDEATHSIG).
- ``endpoint_from_env()``: a second endpoint (a closed model's API, or a class server) from environment
  variables only: ``OPEN_LLM_COURSE_API_KEY``, ``OPEN_LLM_COURSE_BASE_URL``, ``OPEN_LLM_COURSE_MODEL``.
  Course-specific names rather than ``OPENAI_API_KEY``: running the course's tests on a machine that happens to
  hold an OpenAI key must not send requests (or spend money).
- ``explained_errors(...)`` turns the ``openai`` client's exceptions into errors that say what went wrong and
  what to do; no message ever contains the key.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import CATALOG, get_model_info
from .generation import EmptyPromptError  # noqa: F401  (re-exported: serving.EmptyPromptError is the same class)
from .generation import check_prompt as _check_text
from .i18n import tr
from .models import cache_dir, ensure_local_copy

HOST = "127.0.0.1"
KEY_ENV = "OPEN_LLM_COURSE_API_KEY"
URL_ENV = "OPEN_LLM_COURSE_BASE_URL"
MODEL_ENV = "OPEN_LLM_COURSE_MODEL"
DEFAULT_URL = "https://api.openai.com/v1"
LOCAL_KEY = "not-needed"
"""The key sent to the local server, which checks none (the openai client refuses to start without one)."""
START_TIMEOUT_S = 180.0
PIDFILE_PREFIX = "server-"


class EndpointError(RuntimeError):
    """An OpenAI-compatible endpoint could not answer; the message says why and what to do."""


class ServerNotRunningError(EndpointError):
    """Nothing answers at the address (the server is not running, or not ready yet)."""


class ServerStartError(EndpointError):
    """``transformers serve`` exited, or did not answer its health check in time."""


class UnknownModelError(EndpointError):
    """The endpoint does not serve a model of that name."""


class KeyRejectedError(EndpointError):
    """The endpoint answered 401 or 403: the key is missing, wrong or not allowed this model."""


class EndpointTimeoutError(EndpointError):
    """No answer within the client's timeout."""


def check_prompt(prompt) -> str:
    """``prompt`` if it is a non-empty string; otherwise generation's EmptyPromptError, worded for a chat request."""
    return _check_text(prompt, empty_hint=tr("write a question or an instruction for the model"))


# --------------------------------------------------------------------------------------------------
# the local server
# --------------------------------------------------------------------------------------------------
def serving_dir() -> Path:
    """Where pidfiles and server logs live: a folder of the course cache (never shown in a notebook)."""
    path = cache_dir() / "serving"
    path.mkdir(parents=True, exist_ok=True)
    return path


def serve_available() -> str | None:
    """None when ``transformers serve`` can run here; otherwise what is missing and how to install it."""
    missing = [m for m in ("fastapi", "uvicorn", "openai", "pydantic") if _find_spec(m) is None]
    if missing:
        return tr("transformers serve needs {missing}, which are not installed. Install the course's "
                  "tested versions with  pip install -r requirements.txt  (in Colab: run the lesson's set-up cell).",
                  missing=", ".join(missing))
    return None


def _find_spec(module: str):
    import importlib.util

    return importlib.util.find_spec(module)


def port_in_use(port: int, host: str = HOST) -> bool:
    """Whether something already listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def free_port(host: str = HOST) -> int:
    """A port nothing listens on now (the operating system picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """Linux: ask the kernel to kill this child (SIGKILL: uvicorn may wait forever on SIGTERM) when its starter dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def health(base_url: str, timeout: float = 2.0) -> bool:
    """Whether the server at ``base_url`` (``http://host:port/v1``) answers ``GET /health`` with status ok."""
    root = base_url.rstrip("/").removesuffix("/v1")
    try:
        with urllib.request.urlopen(root + "/health", timeout=timeout) as response:
            return response.status == 200 and json.load(response).get("status") == "ok"
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process
        return True
    return True


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _is_our_server(pid: int, marker: str) -> bool:
    """The process ``pid`` is a server this module started (its command line carries the marker)."""
    line = _cmdline(pid)
    if not line:  # no /proc (macOS): trust the pidfile only while the process exists
        return _alive(pid) and sys.platform != "linux"
    return "serve" in line and marker in line


def reap_orphans() -> int:
    """Stop servers whose starting process is gone (an orphan from a killed kernel); return how many.

    A server whose starter is still alive (another notebook's) is left alone. Stale pidfiles are removed.
    """
    stopped = 0
    for pidfile in serving_dir().glob(f"{PIDFILE_PREFIX}*.json"):
        try:
            record = json.loads(pidfile.read_text(encoding="utf-8"))
            pid, owner, marker = int(record["pid"]), int(record["owner"]), str(record["marker"])
        except (OSError, ValueError, KeyError, TypeError):
            pidfile.unlink(missing_ok=True)
            continue
        if not _alive(pid) or not _is_our_server(pid, marker):
            pidfile.unlink(missing_ok=True)
            continue
        if _alive(owner):  # its starter (this process, or another notebook) still runs: not an orphan
            continue
        _terminate_group(pid)
        pidfile.unlink(missing_ok=True)
        stopped += 1
    return stopped


def _terminate_group(pid: int, grace: float = 3.0) -> None:
    """SIGTERM the server's process group, wait up to ``grace`` seconds, then SIGKILL it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


_RUNNING: list[LocalServer] = []


@dataclass
class LocalServer:
    """A ``transformers serve`` process started by this module. Use it in a ``with`` block, or call ``stop()``."""

    model: str
    port: int
    continuous_batching: bool
    process: subprocess.Popen = field(repr=False)
    log_path: Path = field(repr=False)
    pidfile: Path = field(repr=False)
    started_in_s: float = 0.0

    @property
    def base_url(self) -> str:
        """The address the openai client needs: ``http://127.0.0.1:<port>/v1``."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def __str__(self) -> str:
        batching = tr("continuous batching on") if self.continuous_batching else tr("continuous batching off")
        if self.running:
            return tr("transformers serve: {model} on {host} (loopback only), {batching}, running",
                      model=self.model, host=HOST, batching=batching)
        return tr("transformers serve: {model} on {host} (loopback only), {batching}, stopped",
                  model=self.model, host=HOST, batching=batching)

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server's log file (for an error message, not for a stored output)."""
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return tr("(no log)")

    def stop(self) -> None:
        """Stop the server (its whole process group) and remove its pidfile. Stopping twice is harmless."""
        if self.process.poll() is None:
            _terminate_group(self.process.pid)
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
        self.pidfile.unlink(missing_ok=True)
        if self in _RUNNING:
            _RUNNING.remove(self)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_all() -> None:
    for server in list(_RUNNING):
        with contextlib.suppress(Exception):
            server.stop()


atexit.register(_stop_all)


def running_servers() -> list[LocalServer]:
    """The servers this process started and has not stopped yet."""
    return [s for s in _RUNNING if s.running]


def server_command(model_dir_name: str, port: int, continuous_batching: bool) -> list[str]:
    """The command line: ``transformers serve`` run by this very Python, on the loopback address only."""
    command = [sys.executable, "-m", "transformers.cli.transformers", "serve", model_dir_name,
               "--host", HOST, "--port", str(port), "--log-level", "warning"]
    if continuous_batching:
        command.append("--continuous-batching")
    return command


def start_server(name: str = "smollm2-135m-instruct", continuous_batching: bool = False, port: int | None = None,
                 timeout: float = START_TIMEOUT_S, progress=None) -> LocalServer:
    """Start ``transformers serve`` with bundled model ``name`` on 127.0.0.1 and wait until it is ready.

    ``port=None`` picks a free port. A given ``port`` that is taken gives a clear error. ``progress`` (e.g.
    ``print``) receives one line when the start begins and one when the server is ready.
    """
    if name not in CATALOG:
        raise UnknownModelError(tr("{name!r} is not a bundled model. The local server serves one of: {names}.",
                                   name=name, names=", ".join(CATALOG)))
    problem = serve_available()
    if problem:
        raise ServerStartError(problem)
    if port is not None and port_in_use(port):
        raise ServerStartError(tr("Port {port} is already in use on {host} (another server, or a notebook's). "
                                  "Leave port=None to let the course pick a free port, or choose another one.",
                                  port=port, host=HOST))
    reap_orphans()
    folder = ensure_local_copy(name, progress=progress or (lambda message: None))
    info = get_model_info(name)
    if progress:
        if continuous_batching:
            progress(tr("Starting transformers serve for {model} with continuous batching on {host} "
                        "(about 10 s on an idle 2-core CPU)...", model=info.display_name, host=HOST))
        else:
            progress(tr("Starting transformers serve for {model} on {host} (about 10 s on an idle 2-core CPU)...",
                        model=info.display_name, host=HOST))
    attempts = 1 if port is not None else 3
    last_error: Exception | None = None
    for _ in range(attempts):  # a free port can be taken by someone else before the server binds it
        chosen = port if port is not None else free_port()
        try:
            server = _launch(name, folder, chosen, continuous_batching, timeout)
        except _PortTaken as err:
            last_error = err
            continue
        if progress:
            progress(tr("Ready: {name} answers OpenAI-style requests on {host} (its address: the server's base_url).",
                        name=name, host=HOST))
        return server
    raise ServerStartError(tr("Could not bind a free port on {host} after {attempts} tries: {error}",
                              host=HOST, attempts=attempts, error=last_error))


class _PortTaken(Exception):
    pass


def _launch(name: str, folder: Path, port: int, continuous_batching: bool, timeout: float) -> LocalServer:
    log_path = serving_dir() / f"{PIDFILE_PREFIX}{port}.log"
    marker = f"--port {port}"
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               HF_HUB_DISABLE_PROGRESS_BARS="1", PYTHONUNBUFFERED="1", TRANSFORMERS_NO_ADVISORY_WARNINGS="1",
               HF_HUB_DISABLE_UPDATE_CHECK="1", HF_HUB_DISABLE_TELEMETRY="1")  # offline: no check for a newer CLI
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        # The model is named by its folder name, run from the folder above it: the model id the server reports
        # (and the client sends) is then "smollm2-135m-instruct", not a path on this machine.
        process = subprocess.Popen(
            server_command(folder.name, port, continuous_batching), cwd=folder.parent, env=env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops all of it
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    pidfile = serving_dir() / f"{PIDFILE_PREFIX}{process.pid}.json"
    pidfile.write_text(json.dumps({"pid": process.pid, "owner": os.getpid(), "port": port, "marker": marker,
                                   "model": name}), encoding="utf-8")
    server = LocalServer(name, port, continuous_batching, process, log_path, pidfile)
    _RUNNING.append(server)
    try:
        _wait_ready(server, timeout)
    except BaseException:  # an error, a timeout, or the cell interrupted: never leave the process behind
        server.stop()
        raise
    server.started_in_s = time.perf_counter() - started
    return server


def _wait_ready(server: LocalServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log_tail()
            if "address already in use" in tail.lower():
                raise _PortTaken(f"port {server.port} was taken")
            raise ServerStartError(
                tr("transformers serve exited (code {code}) before it was ready. The end of its log ({log}):\n{tail}",
                   code=server.process.returncode, log=server.log_path, tail=tail))
        if health(server.base_url, timeout=1.0):
            return
        time.sleep(0.2)
    raise ServerStartError(
        tr("transformers serve did not answer its health check within {timeout:.0f} s, so it was stopped. On a busy "
           "machine the start takes longer: try again with a larger timeout=, or close other notebooks. "
           "The end of its log ({log}):\n{tail}", timeout=timeout, log=server.log_path, tail=server.log_tail()))


# --------------------------------------------------------------------------------------------------
# a second endpoint from the environment, and clear errors
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    """Where to send requests: base_url, model and key (the key is never shown)."""

    base_url: str
    model: str
    api_key: str = field(repr=False)

    def __str__(self) -> str:
        return tr("{model} at {url} (key from {env})", model=self.model, url=self.base_url, env=KEY_ENV)


def endpoint_from_env() -> Endpoint | None:
    """The endpoint named by OPEN_LLM_COURSE_API_KEY / _BASE_URL / _MODEL, or None when the key or model is unset."""
    key = os.environ.get(KEY_ENV, "").strip()
    model = os.environ.get(MODEL_ENV, "").strip()
    if not key or not model:
        return None
    return Endpoint((os.environ.get(URL_ENV) or DEFAULT_URL).strip().rstrip("/"), model, key)


def skip_reason() -> str | None:
    """Why the second endpoint is skipped, in plain words; None when it is configured."""
    missing = [name for name in (KEY_ENV, MODEL_ENV) if not os.environ.get(name, "").strip()]
    if not missing:
        return None
    advice = tr("To try a closed model (or a class server), set {key}, {model} and, if it is not OpenAI's API, {url} "
                "in the shell before starting Jupyter. Never type a key into a notebook.",
                key=KEY_ENV, model=MODEL_ENV, url=URL_ENV)
    if len(missing) == 1:
        return tr("Skipped: {missing} is not set, so no request was sent anywhere. {advice}",
                  missing=missing[0], advice=advice)
    first, second = missing
    return tr("Skipped: {first} and {second} are not set, so no request was sent anywhere. {advice}",
              first=first, second=second, advice=advice)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, tr("[key hidden]"))
    return re.sub(r"\b(sk|key|tok)-[A-Za-z0-9_\-*]{6,}", tr("[key hidden]"), text)


def _server_detail(err) -> str:
    body = getattr(err, "body", None)
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("message") or (body.get("error") or {})
        if isinstance(detail, dict):
            detail = detail.get("message", "")
        return str(detail)
    return str(getattr(err, "message", "") or "")


@contextlib.contextmanager
def explained_errors(base_url: str, model: str, api_key: str = ""):
    """Turn the openai client's exceptions inside the block into EndpointErrors that say what to do.

    ``api_key`` is only used to make sure it never appears in a message.
    """
    import openai

    where = base_url.rstrip("/")
    local = where.startswith(f"http://{HOST}:") or where.startswith("http://localhost:")
    try:
        yield
    except openai.APITimeoutError:
        raise EndpointTimeoutError(
            tr("{where} did not answer in time. A local server may be busy with other requests; a remote one may be "
               "slow or unreachable. Try again, raise the client's timeout=, or ask for fewer max_tokens.",
               where=where)) from None
    except openai.APIConnectionError:
        hint = (tr("Start it with serving.start_server() and use server.base_url; if you restarted the kernel, the "
                   "old server stopped with it.") if local
                else tr("Check {env} and your network connection.", env=URL_ENV))
        raise ServerNotRunningError(tr("Nothing answers at {where}: the server is not running or not ready yet. {hint}",
                                       where=where, hint=hint)) from None
    except (openai.AuthenticationError, openai.PermissionDeniedError) as err:
        raise KeyRejectedError(
            tr("{where} refused the request (HTTP {status}): the key is missing, wrong, expired or not "
               "allowed to use {model!r}. Set a valid key in {env} in the shell before starting Jupyter "
               "(the key itself is never shown here).", where=where, status=err.status_code, model=model,
               env=KEY_ENV)) from None
    except (openai.NotFoundError, openai.BadRequestError) as err:
        detail = _scrub(_server_detail(err), (api_key,))
        low = detail.lower()
        if isinstance(err, openai.NotFoundError) or "model" in low or "pinned" in low:  # transformers serve: "pinned"
            served = tr(" This server serves {names}.", names=", ".join(repr(m) for m in CATALOG if m in detail)) \
                if local and any(m in detail for m in CATALOG) else ""
            raise UnknownModelError(
                tr("The endpoint does not serve a model called {model!r} (HTTP {status}).{served} "
                   "Use the model name the server reports (server.model for the local one, {env} for "
                   "another endpoint).", model=model, status=err.status_code, served=served, env=MODEL_ENV)) from None
        raise EndpointError(tr("The endpoint rejected the request (HTTP {status}): {detail}",
                               status=err.status_code, detail=detail[:300])) from None
    except openai.APIStatusError as err:
        detail = _scrub(_server_detail(err), (api_key,))
        raise EndpointError(tr("{where} answered HTTP {status}: {detail}. If it persists, check the "
                               "server's log or the provider's status page.",
                               where=where, status=err.status_code, detail=detail[:300])) from None


# --------------------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------------------
def throughput_figure(results, title: str | None = None):
    """A plotly line chart of ``results`` (columns: batching, concurrent requests, tokens/s), numbers rounded.

    ``title`` defaults to "Aggregate decode speed against simultaneous requests" (in the lesson's language)."""
    import plotly.graph_objects as go

    if title is None:
        title = tr("Aggregate decode speed against simultaneous requests")
    names = {"on": tr("continuous batching on"), "off": tr("continuous batching off")}
    fig = go.Figure()
    for mode, part in results.groupby("continuous batching", sort=False):
        fig.add_trace(go.Scatter(
            x=part["concurrent requests"].tolist(), y=part["tokens/s"].round(1).tolist(),
            mode="lines+markers", name=names.get(mode, f"continuous batching {mode}")))
    fig.update_layout(title=title, xaxis_title=tr("simultaneous requests"),
                      yaxis_title=tr("tokens per second, all requests"),
                      xaxis={"type": "log", "tickvals": sorted(set(results["concurrent requests"]))}, height=380)
    return fig
