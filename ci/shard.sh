#!/bin/sh
# One shard of the case catalogue, for CI runners that split it: the one
# script behind ci/examples/github-actions.yml and ci/examples/gitlab-ci.yml.
#
#   sh ci/shard.sh [K N]         install what netcase needs, build, run shard K of N
#   sh ci/shard.sh --list [K N]  print the shard's case names (a built ./netcase)
#
# K and N are 1-based: from the arguments, else NETCASE_SHARD_INDEX and
# NETCASE_SHARD_TOTAL, else GitLab's CI_NODE_INDEX and CI_NODE_TOTAL (set by
# `parallel: N`), else 1 of 1.  Shard K holds the catalogue's cases at
# positions K, K+N, K+2N, ... of the sorted list (netcase run --shard): the
# same K and N always pick the same cases, every case is in exactly one
# shard, and a shard with no case passes.
#
# Writes netcase-junit.xml and, for failed cases only, their evidence under
# netcase-artifacts/ (timeline, events, pcaps, ladder page): upload both.
# NETCASE is the netcase binary (default ./netcase of this tree).
# Exit status as `netcase run`: 0 passed, 1 a failure, 77 all skipped, ...
set -eu
list=0
if [ "${1:-}" = --list ]; then
	list=1
	shift
fi
k=${1:-${NETCASE_SHARD_INDEX:-${CI_NODE_INDEX:-1}}}
n=${2:-${NETCASE_SHARD_TOTAL:-${CI_NODE_TOTAL:-1}}}
cd "$(dirname "$0")/.."
netcase=${NETCASE:-./netcase}
if [ $list = 1 ]; then
	# not in a pipe: a shard netcase refuses must fail here, not list nothing
	out=$("$netcase" list --shard "$k/$n" cases) || exit $?
	[ -z "$out" ] || printf '%s\n' "$out" | cut -d' ' -f1
	exit 0
fi
sh ci/deps.sh
sh ci/build.sh
echo "ci/shard.sh: shard $k of $n on $(nproc) cores, kernel $(uname -r)"
exec "$netcase" run --shard "$k/$n" --junit netcase-junit.xml cases
