"""Staff accounts of the web console: passwords, roles, sessions and the audit log."""
