"""utils.serving and lesson 08's exported code: a real transformers serve on loopback, and a stand-in endpoint.

Quick tests use a tiny local HTTP server that answers like an OpenAI-compatible endpoint (or with 401, or too
slowly): no model, no internet. Tests marked ``slow`` use the real server of the ``local_server`` fixture
(tests/conftest.py, one start per session) or start their own.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

openai = pytest.importorskip("openai")

from utils import serving  # noqa: E402
from utils.lessons import lesson08 as l08  # noqa: E402

SECRET = "sk-course-test-0123456789abcdef"
ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------------------------------
# a stand-in endpoint
# --------------------------------------------------------------------------------------------------
class _Stub(BaseHTTPRequestHandler):
    mode = "ok"  # ok | 401 | slow | unknown-model | 500

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        mode = self.server.mode
        if mode == "401":
            return self._json(401, {"error": {"message": f"Incorrect API key provided: {SECRET}", "type": "invalid_request_error",
                                              "code": "invalid_api_key"}})
        if mode == "slow":
            time.sleep(3)
        if mode == "unknown-model":
            return self._json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist",
                                              "code": "model_not_found"}})
        if mode == "pinned":  # what transformers serve answers when asked for another model than its own
            return self._json(400, {"detail": f"Server is pinned to 'smollm2-135m-instruct'; requested '{body.get('model')}'."})
        if mode == "500":
            return self._json(500, {"error": {"message": f"internal error for key {SECRET}"}})
        n = int(body.get("max_tokens") or 5)
        self._json(200, {
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "length",
                         "message": {"role": "assistant", "content": "word " * n}}],
            "usage": {"prompt_tokens": 7, "completion_tokens": n, "total_tokens": 7 + n},
        })

    def _json(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture()
def stub():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    httpd.mode = "ok"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _client(httpd, key=SECRET, timeout=10.0):
    return openai.OpenAI(base_url=f"http://127.0.0.1:{httpd.server_address[1]}/v1", api_key=key, max_retries=0,
                         timeout=timeout)


# --------------------------------------------------------------------------------------------------
# quick: bad input and the stand-in endpoint
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prompt", ["", "   \n", None, 42])
def test_empty_or_non_text_prompt_is_refused_before_sending(stub, prompt):
    with pytest.raises(serving.EmptyPromptError, match="prompt"):
        l08.ask(_client(stub), "m", prompt)
    with pytest.raises(serving.EmptyPromptError):
        list(l08.stream_pieces(_client(stub), "m", prompt))


def test_ask_and_measure_against_a_stand_in_endpoint(stub):
    assert l08.ask(_client(stub), "m", "hi", max_tokens=3) == "word word word "
    row = l08.measure_concurrency(_client(stub), "m", ["a", "b", "c"], concurrent=4, max_tokens=6)
    assert set(row) == {"concurrent requests", "answers", "tokens", "seconds", "tokens/s"}
    assert (row["concurrent requests"], row["answers"], row["tokens"]) == (4, 4, 24)
    assert row["seconds"] > 0 and row["tokens/s"] == pytest.approx(24 / row["seconds"])


def test_a_rejected_key_says_so_and_never_shows_the_key(stub):
    stub.mode = "401"
    with pytest.raises(serving.KeyRejectedError) as err:
        l08.ask(_client(stub), "m", "hi")
    message = str(err.value)
    assert "401" in message and serving.KEY_ENV in message
    assert SECRET not in message and SECRET[:12] not in message
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no chained openai error that holds it


def test_a_server_error_never_shows_the_key(stub):
    stub.mode = "500"
    with pytest.raises(serving.EndpointError) as err:
        l08.ask(_client(stub), "m", "hi")
    assert "500" in str(err.value) and SECRET not in str(err.value)


def test_a_timeout_says_what_to_do(stub):
    stub.mode = "slow"
    started = time.perf_counter()
    with pytest.raises(serving.EndpointTimeoutError, match="did not answer in time"):
        l08.ask(_client(stub, timeout=0.5), "m", "hi")
    assert time.perf_counter() - started < 2.5  # no silent retries


def test_an_unknown_model_on_a_closed_endpoint(stub):
    stub.mode = "unknown-model"
    with pytest.raises(serving.UnknownModelError, match="'gpt-nonexistent'"):
        l08.ask(_client(stub), "gpt-nonexistent", "hi")


def test_an_unknown_model_on_the_local_server_names_the_served_one(stub):
    stub.mode = "pinned"
    with pytest.raises(serving.UnknownModelError, match="This server serves 'smollm2-135m-instruct'"):
        l08.ask(_client(stub), "gpt-4o-mini", "hi")


def test_no_server_at_the_address():
    port = serving.free_port()
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
    with pytest.raises(serving.ServerNotRunningError, match="not running or not ready"):
        l08.ask(client, "m", "hi")


def test_endpoint_settings_come_from_the_environment_only(monkeypatch):
    for name in (serving.KEY_ENV, serving.URL_ENV, serving.MODEL_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)  # a machine's own OpenAI key is never picked up
    assert serving.endpoint_from_env() is None
    assert serving.KEY_ENV in serving.skip_reason() and serving.MODEL_ENV in serving.skip_reason()
    monkeypatch.setenv(serving.KEY_ENV, SECRET)
    assert serving.endpoint_from_env() is None and serving.MODEL_ENV in serving.skip_reason()
    monkeypatch.setenv(serving.MODEL_ENV, "some-model")
    endpoint = serving.endpoint_from_env()
    assert endpoint.base_url == serving.DEFAULT_URL and endpoint.model == "some-model"
    assert serving.skip_reason() is None
    assert SECRET not in repr(endpoint) and SECRET not in str(endpoint)
    monkeypatch.setenv(serving.URL_ENV, "http://class-server:8000/v1/")
    assert serving.endpoint_from_env().base_url == "http://class-server:8000/v1"


def test_a_taken_port_and_an_unknown_bundled_model_are_clear_errors():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serving.port_in_use(port)
        with pytest.raises(serving.ServerStartError, match=f"Port {port} is already in use"):
            serving.start_server(port=port)
    with pytest.raises(serving.UnknownModelError, match="not a bundled model"):
        serving.start_server("gpt-4o")


def test_the_server_command_stays_on_loopback():
    command = serving.server_command("smollm2-135m-instruct", 8123, continuous_batching=True)
    assert command[:4] == [sys.executable, "-m", "transformers.cli.transformers", "serve"]
    assert command[command.index("--host") + 1] == "127.0.0.1" and "--continuous-batching" in command
    assert "--continuous-batching" not in serving.server_command("x", 8123, continuous_batching=False)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reaping reads /proc (Linux)")
def test_an_orphan_from_a_dead_starter_is_reaped_and_a_live_ones_is_not():
    port = serving.free_port()
    script = "import time; time.sleep(60)"
    orphan = subprocess.Popen([sys.executable, "-c", script, "serve", "--port", str(port)], start_new_session=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    pidfile = serving.serving_dir() / f"server-{orphan.pid}.json"
    record = {"pid": orphan.pid, "owner": dead.pid, "port": port, "marker": f"--port {port}", "model": "x"}
    try:
        record_live = dict(record, owner=os.getppid())  # a starter that is alive: left alone
        pidfile.write_text(json.dumps(record_live))
        serving.reap_orphans()
        assert orphan.poll() is None and pidfile.exists()
        pidfile.write_text(json.dumps(record))  # its starter is gone: an orphan
        assert serving.reap_orphans() >= 1
        assert orphan.wait(timeout=10) is not None and not pidfile.exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()
        pidfile.unlink(missing_ok=True)


def test_throughput_figure_has_one_line_per_mode():
    import pandas as pd

    results = pd.DataFrame({"continuous batching": ["off"] * 2 + ["on"] * 2, "concurrent requests": [1, 8, 1, 8],
                            "tokens/s": [17.04, 17.26, 17.0, 83.33]})
    fig = serving.throughput_figure(results)
    assert [t.name for t in fig.data] == ["continuous batching off", "continuous batching on"]
    assert list(fig.data[1].y) == [17.0, 83.3]


# --------------------------------------------------------------------------------------------------
# slow: the real server
# --------------------------------------------------------------------------------------------------
def _local_client(server):
    return openai.OpenAI(base_url=server.base_url, api_key=serving.LOCAL_KEY, max_retries=0, timeout=120)


@pytest.mark.slow
def test_real_server_greedy_answer_streaming_and_health(local_server):
    assert serving.health(local_server.base_url)
    assert local_server.pidfile.exists() and "loopback" in str(local_server)
    client = _local_client(local_server)
    question = "What is the capital of France? Answer in one sentence."
    first = l08.ask(client, local_server.model, question, max_tokens=16)
    assert "Paris" in first and first == l08.ask(client, local_server.model, question, max_tokens=16)  # greedy
    pieces = list(l08.stream_pieces(client, local_server.model, question, max_tokens=16))
    assert len(pieces) > 3 and "".join(pieces) == first


@pytest.mark.slow
def test_real_server_concurrency_measurement_shape(local_server):
    row = l08.measure_concurrency(_local_client(local_server), local_server.model,
                                  ["Write a short story about a cat.", "Explain how rain forms."], 2, max_tokens=8)
    assert (row["concurrent requests"], row["answers"], row["tokens"]) == (2, 2, 16) and row["tokens/s"] > 0


@pytest.mark.slow
def test_real_server_unknown_model_and_empty_prompt(local_server):
    client = _local_client(local_server)
    with pytest.raises(serving.UnknownModelError, match="This server serves 'smollm2-135m-instruct'"):
        l08.ask(client, "gpt-4o-mini", "hi")
    with pytest.raises(serving.EmptyPromptError):
        l08.ask(client, local_server.model, "  ")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux only")
def test_the_server_dies_with_the_process_that_started_it():
    """A kernel killed with SIGKILL (a crash, or a restart) takes its server with it; the port is freed."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from utils import serving\n"
            "s = serving.start_server(continuous_batching=True)\n"
            "print(s.process.pid, s.port, flush=True)\n"
            "import time; time.sleep(600)\n") % str(ROOT)
    starter = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        line = starter.stdout.readline()
        assert line, "the starter process did not start a server"
        pid, port = map(int, line.split())
        assert serving.health(f"http://127.0.0.1:{port}/v1")
        starter.send_signal(signal.SIGKILL)
        starter.wait(timeout=10)
        deadline = time.monotonic() + 30  # the kernel delivers the signal at once; the socket closes as it exits
        while time.monotonic() < deadline and serving.port_in_use(port):
            time.sleep(0.2)
        assert not serving.port_in_use(port), "the server outlived the process that started it"
        serving.reap_orphans()  # its pidfile is stale now, and removed
        assert not (serving.serving_dir() / f"server-{pid}.json").exists()
    finally:
        if starter.poll() is None:
            starter.kill()


@pytest.mark.slow
def test_with_block_stops_the_server_and_frees_the_port():
    with serving.start_server(continuous_batching=True) as server:
        assert server.running and serving.port_in_use(server.port) and server in serving.running_servers()
    assert not server.running and not serving.port_in_use(server.port)
    assert not server.pidfile.exists() and server not in serving.running_servers()
    server.stop()  # stopping twice is harmless
