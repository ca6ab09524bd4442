"""Calls from payments to other services (their internal functions)."""
