"""Internal audit and improvement: nonconformities and corrective actions (9.2, 10.2), reused by monitoring."""
