"""The ledger's use cases, by area: they join the pure domain to the store and clients."""
