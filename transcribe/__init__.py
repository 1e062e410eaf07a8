"""callqa transcribe stage."""
