"""Calls to other services: none. identity invokes no other service's function; it only publishes its
events on the bank's SNS topic (identity.store.events)."""
