"""Tests of bot/pipeline/."""
