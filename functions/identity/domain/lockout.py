"""Sign-in limits: counted per username *and* client, so nobody can lock a user out from elsewhere.

- Per (username, client address): every attempt first takes a try (core.tries); 5 wrong passwords less
  than 15 minutes apart lock that pair until 15 minutes after the last. At most 5 passwords are judged
  per pair and window, however many attempts arrive at once. A right password clears the pair.
- Per username, across every client: wrong passwords are counted too. Past SLOWDOWN_AFTER within the
  window the username is slowed, not locked: one attempt per SLOWDOWN_SECONDS from any new client,
  while a client the user signed in from within TRUSTED_SECONDS ("known") is never slowed. So a spread-out
  guesser gets almost nothing and cannot take the real user's turns away.
- Unknown usernames are counted like known ones, so the answers never tell whether a user exists.
"""

from __future__ import annotations

from core.tries import Tries, TryLimit

PAIR_TRIES = TryLimit(limit=5, seconds=15 * 60)
# Wrong passwords of one username from every client; the limit is never reached, it only counts.
USERNAME_FAILURES = TryLimit(limit=1_000_000, seconds=15 * 60)
SLOWDOWN_AFTER = 10
SLOWDOWN_SECONDS = 2
TRUSTED_SECONDS = 30 * 24 * 3600


def slowed(failures: Tries, now: int) -> bool:
    return failures.window_open(now) and failures.taken >= SLOWDOWN_AFTER


def trusted(trusted_until: int, now: int) -> bool:
    """A client this username signed in from lately is known: the slow-down does not apply to it."""
    return trusted_until > now
