"""The service's event loop: uvloop by default where it is installed, asyncio's own on request,
and a clear refusal of a loop that cannot run."""

from __future__ import annotations

import sys
import warnings

import httpx
import pytest

from bot.app import event_loop
from bot.errors import ConfigurationInvalid
from tests.bot.harness import WEBHOOK, encode, envelope, now_ms, settings, signed_headers, text
from tests.bot.processes import server_env, start_server
from tests.fakes.graph_api import running_graph_api

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not run on Windows")


async def _loop_name() -> str:
    return event_loop.running_loop_name()


def test_auto_runs_on_uvloop_where_it_is_installed() -> None:
    assert event_loop.run(_loop_name()) == "uvloop"
    assert event_loop.run(_loop_name(), "uvloop") == "uvloop"


def test_asyncio_runs_on_pythons_own_loop() -> None:
    assert event_loop.run(_loop_name(), "asyncio") == "asyncio"


def test_auto_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError

    assert event_loop.run(_loop_name(), "auto") == "asyncio"


def test_uvloop_asked_for_but_missing_is_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)

    with pytest.raises(ConfigurationInvalid, match=r"WISMO_EVENT_LOOP=uvloop.*not installed"):
        event_loop.run(_loop_name(), "uvloop")


def test_an_unknown_loop_is_refused_and_the_work_never_started_is_closed_quietly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine was never awaited" would fail here
        with pytest.raises(ConfigurationInvalid, match="WISMO_EVENT_LOOP must be one of"):
            event_loop.run(_loop_name(), "tokio")


def test_settings_take_the_loop_by_its_public_name() -> None:
    url = "sqlite+aiosqlite://"
    assert settings(url).event_loop == "auto"
    assert settings(url, WISMO_EVENT_LOOP="asyncio").event_loop == "asyncio"
    with pytest.raises(ConfigurationInvalid, match="WISMO_EVENT_LOOP"):
        settings(url, WISMO_EVENT_LOOP="fast")


@pytest.mark.slow
@pytest.mark.parametrize("choice", ["auto", "asyncio"])
async def test_serve_answers_a_buyer_on_the_chosen_loop_and_stops_cleanly(
    choice: str, tmp_path
) -> None:
    expected = "uvloop" if choice == "auto" else "asyncio"
    url = f"sqlite+aiosqlite:///{tmp_path / 'wismo.db'}"
    async with (
        running_graph_api(account_id="17841400000000001") as fake,
        httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http,
    ):
        env = server_env(url, fake.url, WISMO_EVENT_LOOP=choice, WISMO_LOG_LEVEL="INFO")
        server = await start_server(env, tmp_path / "serve.log", migrate=True)
        try:
            raw = encode(envelope(text("720000000000001", "hello", at=now_ms())))
            response = await http.post(
                server.url + WEBHOOK, content=raw, headers=signed_headers(raw)
            )
            assert response.status_code == 200
            delivered = await fake.wait_for_delivered(1)
        finally:
            code = await server.stop()
    assert delivered[0].text  # answered through the dialogue, the outbox and the Send API
    assert code == 0  # SIGTERM went through the loop's own signal handler
    assert f"({expected} event loop)" in server.log.read_text()
