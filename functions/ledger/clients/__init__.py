"""Calls to other services (Lambda invokes): the ledger reaches only payments' read-only query function."""
