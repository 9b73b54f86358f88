"""Telegram front of the JMD assistant: relays private chats to Rasa and back."""
