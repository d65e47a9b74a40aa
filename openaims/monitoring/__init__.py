"""Monitoring of deployed AI systems: prediction logs, data sources, monitors, metric runs, alerts (9.1, A.6.2.6)."""
