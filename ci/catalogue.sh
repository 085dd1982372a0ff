#!/bin/sh
# The main job: install dependencies, build, and run the whole case
# catalogue with its results table (evidence of failures in
# netcase-artifacts/).  Exit status as `netcase run`.
set -eu
cd "$(dirname "$0")/.."
sh ci/deps.sh
sh ci/build.sh
exec ./netcase run "$@" cases
