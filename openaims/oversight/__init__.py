"""Human oversight and transparency (A.3.3, A.6.2.7, A.8.2-A.8.5, A.9.2-A.9.4).

Three Django apps live here, one idea each:

- ``reviews``: the human review queue, its routing rules, decisions, webhooks and oversight metrics;
- ``transparency``: AI system cards, the public trust page, reporting obligations to interested parties;
- ``incidents``: AI incidents with their notification duties, and concerns raised by anyone.
"""
