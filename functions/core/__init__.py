"""Code every service shares: errors and problem documents, HTTP plumbing, auth claims, money, events."""
