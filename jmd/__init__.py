"""The JMD assistant: `shared` (both environments), `nlu` (Rasa's), the rest (≥ 3.12)."""
