"""The ``aims`` command: parses arguments, calls services and selectors, prints."""
