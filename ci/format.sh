#!/bin/sh
# Every C file follows .clang-format (kernel style); prints the offenders.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find lang netns harness tests bench -name '*.[ch]')
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "format: $(echo "$files" | wc -w) files clean"
