"""The payments Lambda handlers that are not the HTTP app: internal and query invokes, the bootstrap,
the outbox stream and the scheduled hold expiry."""
