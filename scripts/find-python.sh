#!/usr/bin/env bash
# find-python.sh rasa  → a Python 3.10 (Rasa 3.6 supports 3.8–3.10 only; its server alone uses it)
# find-python.sh app   → a Python ≥ 3.12 (everything else: front, action server, tests)
# Prints the interpreter, or explains what to install. PYTHON_RASA / PYTHON_APP override.
set -u
want=${1:?usage: find-python.sh rasa|app}
fits() {
  [ -n "$1" ] || return 1
  if [ "$want" = rasa ]; then
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null
  else
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null
  fi
}
root=$(pyenv root 2>/dev/null)
if [ "$want" = rasa ]; then
  candidates=("${PYTHON_RASA:-}" "$(command -v python3.10 2>/dev/null)" "$root"/versions/3.10*/bin/python3.10
              /usr/bin/python3.10 /usr/local/bin/python3.10)
  hint="Python 3.10 (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') or set PYTHON_RASA"
else
  candidates=("${PYTHON_APP:-}" "$(command -v python3.12 2>/dev/null)" "$root"/versions/3.12*/bin/python3.12
              "$(command -v python3.13 2>/dev/null)" "$root"/versions/3.13*/bin/python3.13
              "$(command -v python3 2>/dev/null)" /usr/bin/python3.12 /usr/local/bin/python3.12)
  hint="Python 3.12 or newer (e.g. 'pyenv install 3.12') or set PYTHON_APP"
fi
for candidate in "${candidates[@]}"; do
  if fits "$candidate"; then echo "$candidate"; exit 0; fi
done
echo "No suitable Python found: install $hint." >&2
exit 1
