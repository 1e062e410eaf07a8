"""The owner's view of the head of sales: report, red flags, coaching effect, digest, mail,
exports, and the Russian wording of all of it. Reads the store; never scores calls."""
