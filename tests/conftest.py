"""Fixtures for tests/ (the repository's conftest.py holds the model fixtures shared with nbval).

- ``local_server``: one real ``transformers serve`` of SmolLM2 on 127.0.0.1 for the whole session, started on
  first use. At the end of the session it is stopped, and the session fails if any server this process started
  is still alive.
"""
import os

import pytest


@pytest.fixture(scope="session")
def local_server():
    from utils import serving

    server = serving.start_server("smollm2-135m-instruct")
    try:
        yield server
    finally:
        server.stop()
        survivors = [s for s in serving.running_servers()]
        for s in survivors:
            s.stop()
        assert not server.running, "the session's server survived stop()"
        assert not serving.port_in_use(server.port), f"port {server.port} is still taken after the session"
        assert not survivors, f"servers left running at the end of the session: {survivors}"
        mine = [p for p in serving.serving_dir().glob("server-*.json") if f'"owner": {os.getpid()}' in p.read_text()]
        assert not mine, f"pidfiles of this session left behind: {[p.name for p in mine]}"
