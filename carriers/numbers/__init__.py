"""Tracking-number detection in chat text, driven by the shipped format specs.

How it works, and the facts it relies on: docs/tracking-number-formats.md.

The public face: `load_detector()` builds a `NumberDetector` (callers keep one); its `detect`
returns a `Detection` of `FoundNumber`s and `LikelyTypo`s. The modules, one job each: `text`
(normalisation with offsets), `checksums`, `specs` (loading and validating formats), `links`,
`lookalikes`, `cues`, `candidates`, `scoring` and `detector`; `schema` gives the data files'
shapes, which the tests check the shipped files against.
"""

from carriers.numbers.detector import (
    CarrierCandidate,
    Detection,
    FoundNumber,
    LikelyTypo,
    NumberDetector,
    load_detector,
)
from carriers.numbers.specs import TYPO_CHECK_DIGIT, TYPO_LENGTH

__all__ = [
    "TYPO_CHECK_DIGIT",
    "TYPO_LENGTH",
    "CarrierCandidate",
    "Detection",
    "FoundNumber",
    "LikelyTypo",
    "NumberDetector",
    "load_detector",
]
