"""Shared domain types, errors and configuration for every callqa stage."""
