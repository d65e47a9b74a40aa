"""OpenAIMS: an AI Management System for ISO/IEC 42001."""

__version__ = "0.1.0"
