#!/usr/bin/env bash
# Prints a Python 3.10 interpreter (Rasa 3.6 supports 3.8-3.10 only), or explains what to install.
set -u
is310() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
for candidate in "${PYTHON:-}" "$(command -v python3.10 2>/dev/null)" \
                 "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 \
                 /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if is310 "$candidate"; then echo "$candidate"; exit 0; fi
done
echo "No Python 3.10 found: install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') or set PYTHON=/path/to/python3.10." >&2
exit 1
