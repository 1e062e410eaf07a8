-- The call type decided before any criterion (scoring.call_type): 'sales' for a scored
-- conversation, else why the call is not applicable (ivr, voicemail, robocall, wrong_number,
-- call_back_later, non_russian, too_short, no_speech). Rows scored before this migration:
-- applicable ones were sales conversations; the others stay NULL until rescored.
ALTER TABLE call_scores ADD COLUMN call_type VARCHAR;
UPDATE call_scores SET call_type = 'sales' WHERE applicable;
