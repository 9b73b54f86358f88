"""Custom actions of the JMD assistant (served by `python -m jmd.action_server`)."""

from jmd.shared.logging_setup import install_redaction

# rasa_sdk set up its own logging; redact secrets in every record of the action server.
install_redaction()
