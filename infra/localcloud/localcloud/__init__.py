"""LocalStack plugins that let the bank run offline without Docker (see docs/decisions)."""
