"""Sannong (三农): one GraphQL API for rural information services."""
