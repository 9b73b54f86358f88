#!/usr/bin/env bash
# `make test`: trains the model (if its inputs changed) while the tests that do not need it
# run; the tests that need it start as soon as it is trained. The tests of jmd.nlu run in
# the Rasa environment. Prints one closing line for all runs.
# Usage: scripts/test.sh PYTHON RASA_PYTHON MODEL [pytest args…]
set -uo pipefail
py=$1 rasa_py=$2 model=$3; shift 3
mkdir -p reports
train_log=reports/train.log
# results of an earlier run must not count for this one
rm -f reports/train.rc reports/publish.rc reports/model.rc reports/junit-unit.xml reports/junit-nlu.xml \
  reports/junit-model.xml reports/junit-publish.xml
publish_log=reports/publish-tests.log
model_log=reports/model-tests.log
echo "Training the model in the background (log: $train_log) while the unit tests run;"
echo "once it is trained, still beside them, the model tests ($model_log) and the tests"
echo "that train again (console's train and publish: $publish_log)"
set -m  # the training gets its own process group: stopped as a whole below
# The unit tests mostly wait (about a third of a core): the model and `publish` tests
# start as soon as the model is trained, beside them, instead of after them.
( ${MAKE:-make} --no-print-directory train >"$train_log" 2>&1; rc=$?; echo $rc >reports/train.rc
  if [ $rc = 0 ]; then
    ( JMD_MODEL=$model "$py" -m pytest -p no:cacheprovider -m "model and publish" \
        --junitxml=reports/junit-publish.xml "$@" >"$publish_log" 2>&1
      echo $? >reports/publish.rc ) &
    JMD_MODEL=$model "$py" -m pytest -p no:cacheprovider -m "model and not publish" \
      --junitxml=reports/junit-model.xml "$@" >"$model_log" 2>&1
    echo $? >reports/model.rc
    wait
  fi ) &
trainer=$!
set +m
# Ctrl-C or a CI time-out stops the training and the tests beside it too
trap 'kill -- -$trainer 2>/dev/null; exit 130' INT TERM

"$py" -m pytest -p no:cacheprovider -m "not model" --junitxml=reports/junit-unit.xml "$@"
unit=$?
# the Rasa environment's tests (NLU components, evaluation), with their own conftest
"$rasa_py" -m pytest -p no:cacheprovider -c tests/nlu/pytest.ini --junitxml=reports/junit-nlu.xml \
  "$@" tests/nlu
nlu=$?

wait $trainer
trained=$(cat reports/train.rc 2>/dev/null || echo 1)
grep -v -e '^\s*$' -e 'Epochs:' "$train_log" | tail -n 4 | cut -c1-160 | sed 's/^/  train: /'
if [ "$trained" != 0 ]; then
  echo "Training failed (exit $trained); see $train_log" >&2
  model_tests=1
  publish_tests=1
else
  echo "Model tests (beside the unit tests; log: $model_log):"
  cat "$model_log"
  model_tests=$(cat reports/model.rc 2>/dev/null || echo 1)
  publish_tests=$(cat reports/publish.rc 2>/dev/null || echo 1)
  echo "Tests that train again (beside the unit tests; full log: $publish_log):"
  grep -E -e '(passed|failed|error|skipped|no tests ran)( |,|$)' -e '^(FAILED|ERROR) ' \
    "$publish_log" | tail -n 20 | sed 's/^/  publish: /'
  [ "$publish_tests" = 0 ] || [ "$publish_tests" = 5 ] || tail -n 80 "$publish_log"
fi

# pytest exits 5 when a selection (PYTEST_ARGS) leaves one of the runs without tests
ok() { [ "$1" = 0 ] || [ "$1" = 5 ]; }
"$py" - reports/junit-unit.xml reports/junit-nlu.xml reports/junit-model.xml \
  reports/junit-publish.xml <<'PY'
import sys, xml.etree.ElementTree as ET
from pathlib import Path
totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
for name in sys.argv[1:]:
    if Path(name).exists():
        for suite in ET.parse(name).getroot().iter("testsuite"):
            for key in totals:
                totals[key] += int(suite.get(key, 0))
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print(f"make test: {passed} passed, {failed} failed, {totals['skipped']} skipped")
PY
ok "$unit" && ok "$nlu" && [ "$trained" = 0 ] && ok "$model_tests" && ok "$publish_tests" &&
  [ "$unit$nlu$model_tests" != 555 ]
