"""DuckDB store, the only place that runs SQL: short connections and migrations (``db``), writes
of a call (``writes``), named read queries for the UI (``queries``, ``owner_queries``), the
current score and the РОП's latest corrections (``effective``) and their rollups for the
owner's page (``rollups``), the РОП's actions (``review``, ``review_history``), accounts and
login tokens (``users``), batch runs (``runs``), rubric versions (``rubrics``) and stored
transcripts for re-scoring (``transcripts``)."""

from store.db import init, query_df, query_rows, reader, writer
from store.writes import write_call, write_score

__all__ = ["init", "query_df", "query_rows", "reader", "writer", "write_call", "write_score"]
