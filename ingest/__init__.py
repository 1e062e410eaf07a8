"""callqa ingest stage."""
