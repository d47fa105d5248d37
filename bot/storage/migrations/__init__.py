"""Alembic migrations of the qotd schema (run through ``bot.storage.migrate``)."""
