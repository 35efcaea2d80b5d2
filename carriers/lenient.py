"""Base models for sources' answers: what we do not read is ignored, never refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Lenient(BaseModel):
    """A part of a source's answer; fields we do not read are ignored."""

    model_config = ConfigDict(extra="ignore")


class LenientStrings(BaseModel):
    """Likewise, and a number where the source documents a string is read as that string.

    Kuaidi100, for one, sends every scalar as a string, but not every integration keeps to that.
    """

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
