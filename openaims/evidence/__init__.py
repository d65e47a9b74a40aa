"""Evidence: uploaded files (content-addressed), links and records the system produces, with expiry."""
