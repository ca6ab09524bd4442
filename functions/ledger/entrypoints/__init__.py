"""Ledger Lambda handlers that are not the HTTP app (the SQS consumer)."""
