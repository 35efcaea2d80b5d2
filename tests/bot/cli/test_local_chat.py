"""`wismo chat` and `wismo demo` run any number of times on one database, and say plainly when
a person has the conversation and how to hand it back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli.chat import converse
from bot.devtools.chat import local_chat, local_settings
from bot.pipeline.dialogue_port import GreetingResponder
from tests.dialogue.test_cli import wismo

ROOT = Path(__file__).resolve().parents[3]
STORE = "Chat Shop"


def chat_settings(database_url: str):
    return local_settings({}, WISMO_DATABASE_URL=database_url, WISMO_STORE_NAME=STORE)


async def test_chats_one_after_another_on_one_database_are_each_answered(database_url):
    settings = chat_settings(database_url)
    for run in range(3):
        async with local_chat(settings, responder=GreetingResponder(STORE)) as chat:
            replies = await chat.say("local-buyer", f"hello from run {run}")
            assert len(replies) == 1, f"run {run} was not answered"
            await chat.settled()  # nothing left in flight: the outbox took every send


async def test_after_asking_for_a_person_a_line_says_who_has_the_chat_and_how_to_hand_back(
    database_url,
):
    settings = chat_settings(database_url)
    async with local_chat(settings, responder=GreetingResponder(STORE)) as chat:
        out = io.StringIO()
        lines = io.StringIO("hello\n1\nare you still there?\n")
        await converse(chat, "local-buyer", lines, out, prompt=False)
    text = out.getvalue()
    assert "[1] Talk to a person" in text
    assert "I've asked someone from Chat Shop to reply here." in text
    said = text.split("I've asked someone from Chat Shop to reply here.", 1)[1]
    assert "A person has this conversation now" in said
    assert f"{chat.url}/console" in said
    assert "'Hand back to the bot'" in said
    assert "--buyer NEW-NAME" in said
    assert said.count("A person has this conversation now") == 2  # after the hand-off, and after
    assert "wismo did not answer" not in text


@pytest.mark.slow
def test_the_demo_runs_twice_on_its_database_and_answers_both_times(tmp_path: Path) -> None:
    for run in range(2):
        done = wismo(
            "demo",
            "--port",
            "0",
            stdin="hello\n/quit\n",
            cwd=tmp_path,
            env={"PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 0, done.stderr
        assert "wismo did not answer" not in done.stdout, f"run {run}"
        assert "\nwismo:\n" in done.stdout, f"run {run} got no answer"
    assert (tmp_path / "wismo-demo.db").exists()
