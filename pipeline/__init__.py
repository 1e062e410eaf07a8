"""callqa pipeline stage."""
