"""Reads of the controls app (SoA, coverage, readiness), shared by UI, API, CLI and exports."""
