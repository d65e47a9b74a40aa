"""AI incidents and their notification duties (A.8.4; EU AI Act Art. 73), and concerns raised by anyone (A.3.3)."""
