"""The identity service's use cases, by area: `sessions` (sign-up, sign-in, tokens), `users` (the
caller's own profile), `staff` (staff management, customer search, the first admin); `common` holds what
they share. Each view or entry point calls exactly one of them.

They tie the pure rules (domain) to storage (store); no HTTP or event shapes here.
"""
