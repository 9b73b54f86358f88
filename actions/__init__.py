"""Custom actions of the JMD assistant (run by `rasa run actions`)."""
