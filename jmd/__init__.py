"""Core of the JMD assistant: settings, languages, text normalisation, storage."""
