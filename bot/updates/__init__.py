"""Proactive updates: tell buyers about their parcel before they have to ask.

subscriptions.py  which conversations follow which numbers; stop; email unsubscribe
turns.py          what a buyer's turn does (follow, stop, carry-over), in its transaction
notifier.py       status changes → milestones → sent, held, waiting or dropped
poller.py         refreshes followed, undelivered shipments at an adaptive interval
email.py          the email channel: queue, SMTP worker, unsubscribe links
stop.py           is_stop_request(): "stop" / "不用了" / the Stop-updates quick reply
runtime.py        Updates: all of it built from settings, started and stopped together
"""

from bot.updates.stop import is_stop_request

__all__ = ["is_stop_request"]
