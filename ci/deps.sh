#!/bin/sh
# Install every Debian package netcase's build, tests and catalogue need.
# Idempotent: apt-get runs only when something is missing.  Needs root.
set -eu
PKGS="build-essential autoconf automake pkg-config libnl-3-dev libnl-route-3-dev libnl-nf-3-dev libnl-idiag-3-dev
libpcap-dev libnftables-dev check iproute2 nftables util-linux procps clang-format strace netbase
clang libclang-rt-14-dev valgrind stress-ng libbpf-dev bpftool
nginx-light curl redis-server redis-tools iputils-ping chromium dnsmasq-base bind9-dnsutils python3-yaml bash-completion vim
debhelper lintian dpkg-dev fakeroot time"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "ci/deps.sh: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
