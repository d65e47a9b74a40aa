"""The human review queue: AI decisions sent for review, routing rules, reviewer decisions, oversight metrics."""
