"""Scoring backends."""
