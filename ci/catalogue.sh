#!/bin/sh
# The main job: install dependencies, build, and show netcase at work.
# (Until the case engine lands: two hosts' sockets in known states, as
# `netcase ss` and iproute2 see them.)
set -eu
cd "$(dirname "$0")/.."
sh ci/deps.sh
sh ci/build.sh
./tests/nstest compare
