"""HTTP routes of the payments service, one blueprint per area (`app.py` registers them): parse, call one
service function, respond. A route's declared `roles` are enforced by `BankBlueprint.route` before the
view runs; ownership is the service's to check."""
