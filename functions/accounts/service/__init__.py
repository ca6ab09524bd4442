"""The accounts service's use cases, by area; routes and entry points call them."""
