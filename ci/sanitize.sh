#!/bin/sh
# Memory safety: an ASan+UBSan build (clang, out of tree from a clean copy of
# the sources) runs the unit tests and the whole catalogue; then valgrind runs
# the unit tests of the normal build in one process (CK_FORK=no): 0 errors and
# 0 bytes definitely lost, or the run fails.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
b="$top/build-asan"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
sh ci/oot-build.sh "$b" "-g -O1 $san" "$san" "" all tests/check_unit
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
status=0
if (cd "$b/obj" && CK_FORK=no ./tests/check_unit >"$b/unit.log" 2>&1); then
	echo "sanitize: unit tests clean under ASan+UBSan ($(grep -o 'Checks: [0-9]*' "$b/unit.log"))"
else
	echo "sanitize: unit tests under ASan+UBSan FAILED:"
	tail -n 40 "$b/unit.log"
	status=1
fi
# the catalogue; a sanitizer report anywhere (supervisor, actor) is a failure
(cd "$b/obj" && ./netcase run -j "$(nproc)" "$top/cases" >"$b/cases.log" 2>&1) || true
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$b/cases.log"; then
	echo "sanitize: the catalogue under ASan+UBSan reported:"
	grep -B2 -A25 -m 1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$b/cases.log"
	status=1
elif ! grep -q ' passed, 0 failed' "$b/cases.log"; then
	echo "sanitize: the catalogue under ASan+UBSan failed:"
	tail -n 40 "$b/cases.log"
	status=1
else
	echo "sanitize: catalogue clean under ASan+UBSan ($(grep -E '^[0-9]+ (passed|runs)' "$b/cases.log" | tail -n 1))"
fi
if command -v valgrind >/dev/null 2>&1; then
	make -s tests/check_unit >/dev/null 2>&1
	if CK_FORK=no valgrind -q --error-exitcode=88 --leak-check=full \
		--errors-for-leak-kinds=definite ./tests/check_unit >"$b/valgrind.log" 2>&1; then
		echo "sanitize: valgrind: unit tests with 0 errors, 0 bytes definitely lost"
	else
		echo "sanitize: valgrind found errors or definite leaks:"
		grep -v '^ ' "$b/valgrind.log" | tail -n 40
		status=1
	fi
fi
exit $status
