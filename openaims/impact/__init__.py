"""AI system impact assessments: templates as data, harms, approval, reassessment (6.1.4, 8.4, A.5)."""
