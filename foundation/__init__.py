"""The leaf every package may import: database plumbing, HTTP calls, country codes."""
