"""Scores of a corpus: sacrebleu metrics against the post-edits and MQM from
the error spans. Pure functions over plain data plus one module
(`report`) that reads the database through a SQLAlchemy `Session`; nothing
here imports Flask, so the CLI, the exports and the web pages share it."""
