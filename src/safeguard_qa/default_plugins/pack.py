"""The partnership view and challenge-event pack renderers (issue 5)."""
