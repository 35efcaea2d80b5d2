"""GraphAnswer: the base of every Graph API answer we read (fields we don't use are ignored)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class GraphAnswer(BaseModel):
    """An answer body from the Graph API; Meta adds fields freely, so unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore")


__all__ = ["GraphAnswer"]
