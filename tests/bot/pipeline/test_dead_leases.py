"""After kill -9, a restarted process settles the dead one's sends at once instead of waiting
for their leases to run out, when it can prove the holder is gone; echo reconciliation still
keeps every message single."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time

from sqlalchemy import update

from bot.pipeline.owner import Owner, current_owner, owner_of, provably_dead
from bot.pipeline.tables import OutboxMessage
from tests.bot.harness import ACCOUNT, FAST, running_wismo, wait_until
from tests.fakes.graph_api import FakeGraphApi

BUYER = "7500000000000001"
MINUTE_LEASE = dataclasses.replace(FAST, send_lease_seconds=60.0, stop_grace_seconds=0.2)


def dead_pid() -> int:
    """The process id of a process that has exited."""
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_only_a_holder_that_provably_died_on_this_machine_counts_as_dead():
    assert provably_dead(str(owner_of(dead_pid(), "a1b2c3d4")))
    # A former process that had this process's id (a restarted container's PID 1).
    assert provably_dead(str(owner_of(os.getpid(), "a1b2c3d4")))
    assert not provably_dead(current_owner())
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as live:
        try:
            assert not provably_dead(str(owner_of(live.pid, "a1b2c3d4")))
        finally:
            live.kill()
    elsewhere = dataclasses.replace(owner_of(dead_pid(), "a1b2c3d4"), host="another-host")
    assert not provably_dead(str(elsewhere))
    assert not provably_dead("old-host:1234:abcdef")  # an owner written before boot ids
    assert Owner.parse(current_owner()) == owner_of(os.getpid(), current_owner()[-8:])


async def test_a_send_in_flight_when_its_process_was_killed_is_settled_at_once_and_not_resent(
    aiohttp_server, database_url
):
    killed = FakeGraphApi(account_id=ACCOUNT)
    killed.delay_next(30.0, deliver=True)  # delivered; the answer never reaches the process
    async with running_wismo(
        aiohttp_server, database_url, tuning=MINUTE_LEASE, fake=killed, echoes=False
    ) as wismo:
        await wismo.say(BUYER, "hi")

        async def delivered_unanswered() -> bool:
            return len(killed.delivered) == 1

        await wait_until(delivered_unanswered)
        (delivered,) = killed.delivered
    # It stopped mid-send: the row is still `sending`, leased for a minute. Say the process
    # that held it was killed: its owner names a process that is gone.
    async with wismo.engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage).values(lease_owner=str(owner_of(dead_pid(), "deadbeef")))
        )

    restarted = FakeGraphApi(account_id=ACCOUNT)
    # What Meta's Conversations API knows: the message went out.
    restarted.add_message(BUYER, delivered.text, from_business=True)
    started = time.monotonic()
    async with running_wismo(
        aiohttp_server, database_url, tuning=MINUTE_LEASE, fake=restarted
    ) as again:
        await again.wait_settled(timeout=10)
        settled_in = time.monotonic() - started
        (row,) = await again.outbox()
        assert (row.state, row.reason) == ("sent", "reconciled")
        assert restarted.sends == []  # not sent a second time
    assert settled_in < 10  # the lease had 60 s to run
