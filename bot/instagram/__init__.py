"""Everything Meta defines: signatures, webhook bodies, outgoing messages, the Send API.

Also Meta's error codes, the 24-hour messaging window and the pace of calls.
"""
