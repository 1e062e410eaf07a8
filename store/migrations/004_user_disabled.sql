-- Accounts are disabled, not deleted: their past actions keep their author (a deleted manager's
-- events would otherwise count as the РОП's in the owner's view).
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
