"""The AI system inventory: AI systems, model versions, datasets, suppliers (ISO/IEC 42001 4.3, A.4, A.6, A.7, A.10)."""
