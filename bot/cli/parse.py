"""`wismo parse`: what wismo understands in a message, as JSON (one object, or JSON lines)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import IO, TYPE_CHECKING, Protocol, TypedDict

from bot.errors import ConfigurationInvalid
from bot.understanding import MessageParser, ParseResult, build_message_parser, language_code
from carriers.numbers.detector import CarrierCandidate, load_detector

if TYPE_CHECKING:
    from pydantic import ValidationError


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subcommands.add_parser(
        "parse",
        help="find tracking and order numbers, intent and language in a buyer's message",
        description=(
            "Print what wismo reads in a message as one JSON object, or with --jsonl read "
            '{"text": …} lines on standard input and write one JSON line per input line.'
        ),
    )
    parser.add_argument("text", nargs="?", help="the message (omit with --jsonl)")
    parser.add_argument(
        "--jsonl", action="store_true", help='read {"text": …} JSON lines on standard input'
    )
    parser.add_argument(
        "--previous-language", default=None, help="the conversation's last language (e.g. es)"
    )
    parser.add_argument(
        "--tracking-context",
        action="store_true",
        help="the conversation is already about a parcel (bare numbers count)",
    )
    parser.set_defaults(run=run)


# The output is written as plain dicts typed by these: building pydantic models for it cost a
# one-message `wismo parse` more start-up than the message.
class CarrierOut(TypedDict):
    carrier: str
    confidence: float


class TrackingNumberOut(TypedDict):
    number: str
    carriers: list[CarrierOut]
    format: str
    checksum: str


class LikelyTypoOut(TypedDict):
    number: str
    carriers: list[CarrierOut]
    format: str
    reason: str


class ParseOut(TypedDict):
    """The public shape of `wismo parse` (a contract: add keys only with a version bump)."""

    tracking_numbers: list[TrackingNumberOut]
    likely_typos: list[LikelyTypoOut]
    order_numbers: list[str]
    intent: str
    aspect: str | None
    language: str


class ParseRequest(Protocol):
    """One --jsonl input line, read."""

    text: str
    previous_language: str | None
    tracking_context: bool


# pydantic reads the --jsonl lines and the order-pattern setting: a one-message `wismo parse`
# without that setting has neither, and importing pydantic (with one TypeAdapter) would add two
# thirds to its start-up (504 M instructions against 776 M).
@functools.cache
def _request_reader() -> Callable[[bytes], ParseRequest]:
    """How one --jsonl line is read: ParseIn.model_validate_json, which raises ValidationError."""
    from pydantic import BaseModel, ConfigDict

    class ParseIn(BaseModel):
        """One --jsonl input line; keys other than these are ignored."""

        model_config = ConfigDict(extra="ignore")

        text: str
        previous_language: str | None = None
        tracking_context: bool = False

    return ParseIn.model_validate_json


def _order_patterns(raw: str) -> tuple[str, ...]:
    """WISMO_ORDER_NUMBER_PATTERNS read as the service reads it; raises ConfigurationInvalid."""
    if not raw.strip():
        return ()  # unset: what the setting's type makes of a blank value, without pydantic
    from pydantic import TypeAdapter, ValidationError

    from bot.app.order_patterns import OrderNumberPatterns

    try:
        return TypeAdapter(OrderNumberPatterns).validate_python(raw)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"]
        raise ConfigurationInvalid(
            f"setting WISMO_ORDER_NUMBER_PATTERNS is invalid: {message}"
        ) from exc


def _carriers(candidates: Iterable[CarrierCandidate]) -> list[CarrierOut]:
    return [{"carrier": c.carrier, "confidence": c.confidence} for c in candidates]


def public(result: ParseResult) -> ParseOut:
    """The JSON object `wismo parse` prints for one result."""
    return {
        "tracking_numbers": [
            {
                "number": found.number,
                "carriers": _carriers(found.carriers),
                "format": found.format,
                "checksum": found.checksum,
            }
            for found in result.tracking_numbers
        ],
        "likely_typos": [
            {
                "number": typo.number,
                "carriers": _carriers(typo.carriers),
                "format": typo.format,
                "reason": typo.reason,
            }
            for typo in result.likely_typos
        ],
        "order_numbers": [order.number for order in result.order_numbers],
        "intent": result.intent.value,
        "aspect": result.aspect.value if result.aspect else None,
        "language": result.language,
    }


def message_parser(env: Mapping[str, str]) -> MessageParser:
    """A parser configured from the environment (WISMO_ORDER_NUMBER_PATTERNS,
    WISMO_DEFAULT_LANGUAGE), without needing the service's other settings.

    Raises ConfigurationInvalid naming the bad setting.
    """
    patterns = _order_patterns(env.get("WISMO_ORDER_NUMBER_PATTERNS", ""))
    raw_language = env.get("WISMO_DEFAULT_LANGUAGE") or "en"
    default_language = language_code(raw_language)
    if default_language is None:
        raise ConfigurationInvalid(
            f"setting WISMO_DEFAULT_LANGUAGE is invalid: {raw_language!r} is not one of "
            "en, es, pt, fr, de, ar, zh-Hans, zh-Hant"
        )
    return build_message_parser(
        load_detector(), order_shapes=patterns, default_language=default_language
    )


def parse_lines(parser: MessageParser, lines: Iterable[bytes], out: IO[str]) -> int:
    """Answer every input line with one output line, in order; bad lines get an error object.

    Returns how many lines were not understood as input.
    """
    from pydantic import ValidationError

    read = _request_reader()
    failures = 0
    for number, line in enumerate(lines, start=1):
        try:
            request = read(line)
        except ValidationError as exc:
            failures += 1
            answer: Mapping[str, object] = {"error": _reason(exc), "line": number}
        else:
            answer = public(
                parser.parse(
                    request.text,
                    previous_language=request.previous_language,
                    tracking_context=request.tracking_context,
                )
            )
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return failures


def _reason(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        return "not a JSON object: " + str(first.get("ctx", {}).get("error", first["msg"]))
    where = ".".join(str(part) for part in first["loc"]) or "line"
    return f"{where}: {first['msg']}"


def run(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.jsonl == (args.text is not None):
        print("wismo parse: give either TEXT or --jsonl", file=sys.stderr)
        return 2
    parser = message_parser(env)
    if args.jsonl:
        parse_lines(parser, sys.stdin.buffer, sys.stdout)
        return 0
    result = parser.parse(
        args.text,
        previous_language=args.previous_language,
        tracking_context=args.tracking_context,
    )
    print(json.dumps(public(result), ensure_ascii=False))
    return 0
