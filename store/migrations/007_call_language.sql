-- Whisper's language detection per call (transcribe.engine.call_language): the probability of
-- calls.language (speech-weighted over the channels) and each channel's own top language,
-- e.g. 'ru:0.982,en:0.913' (channel 0 first; empty for a channel with too little speech).
-- NULL for calls transcribed before this migration and for imported transcripts.
ALTER TABLE calls ADD COLUMN language_prob DOUBLE;
ALTER TABLE calls ADD COLUMN channel_languages VARCHAR;
