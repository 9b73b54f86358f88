"""Test helpers: a Rasa stack runner, domain lookups, a throwaway PostgreSQL."""
