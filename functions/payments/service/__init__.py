"""The payments use cases, by area: transfers, cards, positions, history (and what they share)."""
