"""Shared machinery: the base model, the trail, actors, generic services, views and API helpers."""
