"""Storage: SQLAlchemy tables, repositories and Alembic migrations."""

# Every table module registers on the shared metadata, so schema checks see all of them.
from bot.storage import learning_tables as learning_tables
