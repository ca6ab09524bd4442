"""Calls to other services' internal functions (Lambda invokes)."""
