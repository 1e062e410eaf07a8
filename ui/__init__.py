"""callqa ui stage."""
