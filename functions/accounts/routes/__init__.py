"""The accounts service's HTTP routes, one blueprint per area; `accounts.app` registers them."""
