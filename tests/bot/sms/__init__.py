"""Tests of the SMS channel (bot/sms) against a fake Twilio on 127.0.0.1."""
