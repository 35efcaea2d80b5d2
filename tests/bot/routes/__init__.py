"""Tests of bot/routes/."""
