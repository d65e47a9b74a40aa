"""The controls pages: Statement of Applicability, coverage across frameworks, readiness for certification."""
