"""Transparency: AI system cards, the public trust page, reporting obligations to interested parties (A.8.2-A.8.5)."""
