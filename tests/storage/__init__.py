"""Tests of the SQL store on SQLite and PostgreSQL."""
