"""Reproducible speed and scale measurements of OpenAIMS. Run them with ``make bench``; see README.md."""
