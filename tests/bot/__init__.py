"""Tests of the bot package: the edge and the composition root."""
