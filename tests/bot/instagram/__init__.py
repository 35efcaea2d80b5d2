"""Tests of bot/instagram/."""
