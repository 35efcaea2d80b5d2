"""Lease owners: who holds an inbox lane or an outbox send, and whether that holder is dead.

A lease names its holder as `host/boot/pidns/pid/nonce`: the host name, the machine's boot id,
the PID namespace, the process id and a nonce new for every process. A lease whose holder died
(kill -9, a crash) is normally freed when it expires, a minute for a send; until then the buyer
waits. But a process can prove that a holder is dead when it runs on the same machine, since the
same boot, in the same PID namespace, and that process id is gone (or is its own, with another
nonce: the dead one's PID was handed to it, as a restarted container's PID 1 is). Only then is
the lease taken back at once (bot/pipeline/outbox.py, `recover`); in every other case (another
machine, another container, a PID now used by some other process) the lease runs out as before.
Taking back a send is safe either way: it becomes ambiguous and is settled against its echo or
the Conversations API before anything is sent again (docs/architecture.md, Outlasting a Graph
outage).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_SEPARATOR = "/"


@cache
def _machine() -> tuple[str, str, str]:
    """This process's host name, boot id and PID namespace ("-" where unknown)."""
    host = socket.gethostname().replace(_SEPARATOR, "_")[:24] or "-"
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8] or "-"
    except OSError:
        boot = "-"
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = "-"
    return host, boot, namespace


@dataclass(frozen=True, slots=True)
class Owner:
    host: str
    boot: str
    namespace: str
    pid: int
    nonce: str

    def __str__(self) -> str:
        return _SEPARATOR.join((self.host, self.boot, self.namespace, str(self.pid), self.nonce))[
            :64
        ]

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        parts = text.split(_SEPARATOR)
        if len(parts) != 5 or not parts[3].isdigit():
            return None
        host, boot, namespace, pid, nonce = parts
        return cls(host, boot, namespace, int(pid), nonce)


def owner_of(pid: int, nonce: str) -> Owner:
    """The owner a process `pid` on this machine would write (tests name dead processes)."""
    return Owner(*_machine(), pid=pid, nonce=nonce)


_CURRENT = owner_of(os.getpid(), uuid.uuid4().hex[:8])


def current_owner() -> str:
    """This process's lease owner."""
    if _CURRENT.pid != os.getpid():  # forked since import
        return str(owner_of(os.getpid(), uuid.uuid4().hex[:8]))
    return str(_CURRENT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def provably_dead(owner: str) -> bool:
    """Whether the lease holder `owner` is a process that no longer runs (see the module)."""
    found = Owner.parse(owner)
    here = _machine()
    if found is None or (found.host, found.boot, found.namespace) != here or "-" in here:
        return False
    if found.pid == os.getpid():
        return str(found) != current_owner()  # a former process that had our PID
    return not _alive(found.pid)


def dead_owners(owners: Iterable[str]) -> set[str]:
    """Those of `owners` that are provably dead."""
    return {owner for owner in owners if provably_dead(owner)}


__all__ = ["Owner", "current_owner", "dead_owners", "owner_of", "provably_dead"]
