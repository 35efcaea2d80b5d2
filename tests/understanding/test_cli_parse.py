"""`wismo parse`: one JSON object for a message, JSON lines in and out with --jsonl."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.parse import message_parser, parse_lines
from bot.errors import ConfigurationInvalid

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_KEYS = ["tracking_numbers", "likely_typos", "order_numbers", "intent", "aspect", "language"]


def test_one_message_prints_one_object_in_the_public_shape(capsys, monkeypatch):
    monkeypatch.delenv("WISMO_ORDER_NUMBER_PATTERNS", raising=False)
    monkeypatch.delenv("WISMO_DEFAULT_LANGUAGE", raising=False)
    code = main(["--env-file", "", "parse", "order #1042, tracking 1Z999AA10123456784 where is it"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert list(printed) == PUBLIC_KEYS
    assert printed["tracking_numbers"] == [
        {
            "number": "1Z999AA10123456784",
            "carriers": printed["tracking_numbers"][0]["carriers"],
            "format": "ups",
            "checksum": "valid",
        }
    ]
    assert printed["tracking_numbers"][0]["carriers"][0]["carrier"] == "ups"
    assert printed["order_numbers"] == ["1042"]
    assert (printed["intent"], printed["language"]) == ("where_is_my_order", "en")


def test_likely_typos_carry_the_reason(capsys):
    main(["--env-file", "", "parse", "RB123456784GB doesn't work"])
    (typo,) = json.loads(capsys.readouterr().out)["likely_typos"]
    assert set(typo) == {"number", "carriers", "format", "reason"}
    assert typo["number"] == "RB123456784GB"


def test_json_lines_are_answered_in_order_and_bad_lines_get_an_error():
    lines = [
        b'{"text": "where is my order #1042?"}\n',
        b"not json\n",
        b'{"text": "\xe8\xae\xa2\xe5\x8d\x95 2231 \xe8\xbf\x98\xe6\xb2\xa1\xe5\x88\xb0"}\n',
        b'{"words": "no text key"}\n',
        b"\xff\xfe\x00garbage\n",
        b'{"text": "LP00614958812345", "previous_language": "es"}\n',
        b"\n",
    ]
    out = io.StringIO()
    failures = parse_lines(message_parser({}), lines, out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert failures == 4
    assert len(answers) == len(lines)
    assert answers[0]["order_numbers"] == ["1042"]
    assert answers[2]["order_numbers"] == ["2231"]
    assert answers[2]["language"] == "zh-Hans"
    assert answers[5]["language"] == "es"
    assert [answer.get("line") for answer in answers] == [None, 2, None, 4, 5, None, 7]
    assert all(isinstance(answers[i]["error"], str) for i in (1, 3, 4, 6))


def test_store_order_patterns_and_default_language_come_from_the_environment():
    parser = message_parser(
        {
            "WISMO_ORDER_NUMBER_PATTERNS": '["(?P<number>WEB[0-9]{6})"]',
            "WISMO_DEFAULT_LANGUAGE": "zh-TW",
        }
    )
    result = parser.parse("WEB123456 #1042 👍")
    assert [order.number for order in result.order_numbers] == ["WEB123456"]
    assert result.language == "zh-Hant"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"WISMO_ORDER_NUMBER_PATTERNS": "(unclosed"}, "WISMO_ORDER_NUMBER_PATTERNS"),
        ({"WISMO_ORDER_NUMBER_PATTERNS": "[not json"}, "WISMO_ORDER_NUMBER_PATTERNS"),
        ({"WISMO_DEFAULT_LANGUAGE": "klingon"}, "WISMO_DEFAULT_LANGUAGE"),
    ],
)
def test_bad_settings_are_named(env, setting):
    with pytest.raises(ConfigurationInvalid, match=setting):
        message_parser(env)


def test_text_and_jsonl_are_exclusive(capsys):
    assert main(["--env-file", "", "parse"]) == 2
    assert "either TEXT or --jsonl" in capsys.readouterr().err


def test_one_message_is_read_without_importing_pydantic_or_rapidfuzz():
    """What keeps `wismo parse "…"` quick to start (bench/README.md): the shipped data is checked
    by the tests, not by pydantic at load, an ASCII message with no typo corrects nothing, and
    without a .env file there is nothing for python-dotenv to read."""
    probe = (
        "import sys; from bot.__main__ import main; "
        "main(['--env-file', '', 'parse', 'hi where is my parcel LX123456785CN? order #1234']); "
        "print(sorted(m for m in ('pydantic', 'rapidfuzz', 'hanzidentifier', 'dotenv')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    printed, imported = done.stdout.strip().splitlines()
    assert json.loads(printed)["tracking_numbers"][0]["number"] == "LX123456785CN"
    assert imported == "[]"


@pytest.mark.slow
def test_the_installed_command_streams_json_lines():
    lines = "\n".join(
        [
            json.dumps({"text": "hola, dónde está mi pedido?"}, ensure_ascii=False),
            '{"text": "broken',
            json.dumps({"text": "谢谢"}, ensure_ascii=False),
        ]
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--env-file", "", "parse", "--jsonl"],
        input=lines.encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [answer.get("intent") for answer in answers] == ["where_is_my_order", None, "thanks"]
    assert answers[1]["line"] == 2
