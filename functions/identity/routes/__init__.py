"""The identity service's HTTP routes, one blueprint per area (`app.py` registers each): `sessions`
(sign-up, sign-in, tokens and their keys), `users` (the caller's own profile), `staff` (staff and
customer management) and `docs` (the API document).

Each view: parse, call one use case in `identity.service`, respond (`BankBlueprint.route` enforces the
declared `roles` first). Route paths equal the template's `Events` paths; public ones are marked
`Auth: {Authorizer: NONE}` there.
"""
