"""callqa scoring stage."""
