"""The ledger's HTTP routes, one blueprint per area; `ledger.app` registers them."""
