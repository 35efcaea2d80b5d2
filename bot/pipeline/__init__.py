"""The durable pipeline, Meta-agnostic: intake, spool, inbox, processor, outbox, sender.

What they share: `say` (voice.py) tells a buyer something, the `Worker` skeleton (worker.py)
claims and handles work, and a `SupervisedLoop` (loop.py) runs each background loop that
retries what failed (the workers, the spool mover, proactive updates' workers).
"""
