"""AI risk management: risk criteria, the risk register, treatment with Annex A controls (6.1.1–6.1.3, 8.2, 8.3)."""
