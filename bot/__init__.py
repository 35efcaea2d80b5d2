"""wismo's edge: the webhook service, workers, Send API client and CLI (the composition root)."""
