"""The store: tables, codec, database set-up and migrations."""
