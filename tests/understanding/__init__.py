"""Tests of bot/understanding: order numbers, intent, language, parse, and the scored corpus."""
