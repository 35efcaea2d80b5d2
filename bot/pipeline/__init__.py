"""The durable pipeline, Meta-agnostic: intake, spool, inbox, processor, outbox, sender."""
