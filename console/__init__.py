"""The web console for editors, counselors and admins (README, "Web console").

Server-rendered pages (Starlette + Jinja2), one module per area in ``console/pages/``; the
logic they call lives in ``jmd/`` (accounts, content, booking, …), like the actions'.
"""
