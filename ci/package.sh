#!/bin/sh
# The Debian package, end to end, as a user gets it: build it from the
# `make dist` tarball in a folder of its own (dpkg-buildpackage cleans the
# tree and writes beside it), check it with lintian, install it with dpkg,
# run a catalogue case by name from the installed files, purge it, and
# check that none of its files is left.  Needs root (dpkg -i); refuses to
# touch a netcase package that was installed before it ran.
set -eu
cd "$(dirname "$0")/.."
sh ci/deps.sh
say() { echo "package: $*"; }
die() { echo "package: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (dpkg -i)"
if dpkg-query -W -f='${Status}' netcase 2>/dev/null | grep -q installed; then
	die "a netcase package is already installed; remove it first (dpkg --purge netcase)"
fi
version=$(sed -n 's/^AC_INIT(\[netcase\], \[\([^]]*\)\].*/\1/p' configure.ac)
deb_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "$version" = "$deb_version" ] ||
	die "configure.ac says $version, debian/changelog $deb_version: add a changelog entry (dch -v $version)"
[ -f Makefile ] || sh ci/build.sh
make dist >/dev/null
tarball=$PWD/netcase-$version.tar.gz

work=$(mktemp -d)
installed=0
cleanup() {
	[ $installed = 1 ] && dpkg --purge netcase >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

t0=$(date +%s)
tar -xzf "$tarball" -C "$work"
(cd "$work/netcase-$version" && dpkg-buildpackage -us -uc -b -j"$(nproc)") >"$work/build.log" 2>&1 || {
	tail -40 "$work/build.log"
	die "dpkg-buildpackage failed (the log's end is above)"
}
deb=$(ls "$work"/netcase_"$version"_*.deb)
changes=$(ls "$work"/netcase_"$version"_*.changes)
say "built $(basename "$deb") in $(($(date +%s) - t0)) s"

# Every lintian finding of severity warning or error fails; overrides, each
# with its reason, are in debian/netcase.lintian-overrides.
# (Its "running with root privileges is not recommended!" is left out.)
rc=0
lintian --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1 || rc=$?
grep -v 'root privileges' "$work/lintian.log" >"$work/findings" || true
[ $rc = 0 ] || {
	cat "$work/findings"
	die "lintian found warnings or errors (above)"
}
say "lintian: no warning or error ($(grep -c . "$work/findings" || true) lines of output)"

# What the package holds: its files (not the folders it shares).
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' >"$work/files"
for f in /usr/bin/netcase /usr/share/netcase/cases/accept/overflow.case \
	/usr/share/man/man1/netcase.1.gz /usr/share/man/man5/netcase.case.5.gz \
	/usr/share/bash-completion/completions/netcase /usr/share/vim/addons/syntax/netcase.vim \
	/usr/share/vim/addons/ftdetect/netcase.vim /usr/share/vim/registry/netcase.yaml; do
	grep -qx "$f" "$work/files" || die "the package lacks $f"
done

installed=1
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || {
	cat "$work/dpkg.log"
	die "dpkg -i failed"
}
# From a folder with no ./cases, so the installed catalogue is the one found.
mkdir "$work/run"
(cd "$work/run" && /usr/bin/netcase list) >"$work/list" || die "netcase list failed"
grep -q '^accept/overflow ' "$work/list" || die "netcase list does not show accept/overflow"
(cd "$work/run" && /usr/bin/netcase run --artifacts "$work/run/ev" accept/overflow) >"$work/run.log" 2>&1 || {
	cat "$work/run.log"
	die "netcase run accept/overflow from the installed package failed"
}
grep -q '^PASS  accept/overflow ' "$work/run.log" || {
	cat "$work/run.log"
	die "no PASS line for accept/overflow"
}
grep -q 'kernel events: observed through BPF' "$work/run/ev/accept/overflow/timeline.log" ||
	die "the packaged netcase has no BPF observer: $(grep 'kernel events' "$work/run/ev/accept/overflow/timeline.log")"
/usr/bin/netcase check /usr/share/netcase/cases >/dev/null ||
	die "the installed catalogue does not parse"
say "installed: netcase list shows $(grep -c . "$work/list") cases; accept/overflow passed by name, with kernel events through BPF"

dpkg --purge netcase >"$work/purge.log" 2>&1 || {
	cat "$work/purge.log"
	die "dpkg --purge failed"
}
installed=0
dpkg-query -W -f='${Status}' netcase 2>/dev/null | grep -q installed &&
	die "dpkg still lists netcase after the purge"
left=0
while read -r f; do
	[ -e "$f" ] || [ -L "$f" ] || continue
	echo "left behind: $f" >&2
	left=$((left + 1))
done <"$work/files"
for f in /usr/share/netcase /usr/share/doc/netcase /var/lib/dpkg/info/netcase.list; do
	[ -e "$f" ] && { echo "left behind: $f" >&2; left=$((left + 1)); }
done
[ $left = 0 ] || die "$left files left after dpkg --purge"
say "purged: none of its $(grep -c . "$work/files") files left; $(($(date +%s) - t0)) s in all"
