#!/bin/sh
# The kernel matrix under qemu: boot Debian's stock kernel, 6.1 (which has
# sch_netem as a module, unlike the machines' own kernel) with TCG; check
# that netcase's netem probe says "absent" before `insmod sch_netem.ko` and
# "present" after, then run the whole catalogue there with the real netcase
# binary (NETCASE_SLOW=4: emulation is slow; windows and kernel timers keep
# their length).  Every case must pass there, or say with `kernel OP X.Y`
# that it holds only elsewhere (a SKIP naming both kernels).  Prints every
# case's verdict on both kernels, then runs the cases with a netem statement
# again with --impair relay (the other backend).  Needs root for apt; takes a few minutes.
set -eu
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
for p in qemu-system-x86 linux-image-amd64 busybox-static xz-utils cpio; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="${missing:-} $p"
done
if [ -n "${missing:-}" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
sh ci/deps.sh
sh ci/build.sh
kver=$(ls /lib/modules | grep -- '-amd64$' | sort -V | tail -n 1)
[ -n "$kver" ] && [ -f "/boot/vmlinuz-$kver" ] || { echo "no Debian kernel found"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# a static probe: netcase's namespace, link and qdisc code, nothing else
cflags=$(pkg-config --cflags libnl-route-3.0)
# shellcheck disable=SC2086
gcc -static -O2 $cflags -o "$work/netem_probe" tests/netem_probe.c netns/ns.c netns/nlsock.c \
	netns/link.c netns/qdisc.c -l:libnl-route-3.a -l:libnl-3.a -lpthread -lm \
	2>"$work/ld.log" || { cat "$work/ld.log"; exit 1; }

root="$work/root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run" "$root/mod"
cp /bin/busybox "$root/bin/"
for a in sh mount insmod poweroff echo mkdir cat sleep sed grep ls awk find mktemp rm printf date \
	nproc uname dirname sort; do ln -s busybox "$root/bin/$a"; done
# what programs of the catalogue expect of a system: a hosts file (exec
# actors get the case's own bound over it), name lookup through files, users
# for nginx's workers, nginx's compiled-in folders.  host.conf as the machine
# has it (Debian's says "multi on"): without it glibc's files lookup returns
# only the first line of a name, so a host of a case resolved to its IPv4
# address alone there (nginx made one upstream peer of "backend", not two)
mkdir -p "$root/etc" "$root/var/log/nginx" "$root/var/lib/nginx"
: >"$root/etc/hosts"
echo "hosts: files" >"$root/etc/nsswitch.conf"
if [ -f /etc/host.conf ]; then cp /etc/host.conf "$root/etc/"; else echo "multi on" >"$root/etc/host.conf"; fi
grep -E '^(root|nobody|www-data):' /etc/passwd >"$root/etc/passwd"
grep -E '^(root|nogroup|www-data):' /etc/group >"$root/etc/group"
# A program and the shared libraries it needs, at the same paths.
copy_bin() {
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
	ldd "$1" | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
# The modules the catalogue needs, each after its dependencies, decompressed.
loaded=""
need() {
	case " $loaded " in *" $1 "*) return ;; esac
	for d in $(modinfo -k "$kver" -F depends "$1" | tr , ' '); do need "$d"; done
	mod=$(modinfo -k "$kver" -n "$1")
	case $mod in
	*.xz) xz -dc "$mod" >"$root/mod/$1.ko" ;;
	*.zst) zstd -dc "$mod" >"$root/mod/$1.ko" ;;
	*) cp "$mod" "$root/mod/$1.ko" ;;
	esac
	loaded="$loaded $1"
}
for m in veth ifb sch_ingress cls_u32 act_mirred sch_tbf inet_diag tcp_diag udp_diag \
	crc32c_generic nf_tables nft_ct nft_reject_inet nft_numgen nft_quota nf_conntrack \
	nfnetlink_cttimeout nf_conntrack_netlink nft_objref nft_chain_nat nft_masq nft_connlimit; do
	need "$m"
done
echo "$loaded" | tr ' ' '\n' | grep . >"$root/mod/order"
# sch_netem stays out of the list: the probe wants it absent first
need sch_netem
cp "$work/netem_probe" "$root/"
# the real netcase, the programs exec cases run, and the whole catalogue
copy_bin "$(pwd)/netcase"
mv "$root$(pwd)/netcase" "$root/netcase"
for p in /bin/bash /usr/bin/ip /usr/sbin/ip /bin/ip /usr/bin/getent /usr/bin/curl \
	/usr/sbin/nginx /usr/bin/redis-server /usr/bin/redis-cli /usr/bin/ping /usr/sbin/dnsmasq \
	/usr/bin/dig; do
	[ -x "$p" ] && copy_bin "$p"
done
# MATRIX_CASES=cases/apps (a folder or a case below cases/) runs only those;
# MATRIX_V=-v prints their timelines; MATRIX_BENCH=1 runs no case but
# bench/bench_relay.sh through netem and through the relay, in one boot
mkdir -p "$root/cases" "$root/bench"
cp bench/bench_relay.sh "$root/bench/"
if [ -n "${MATRIX_BENCH:-}" ]; then
	:
elif [ -n "${MATRIX_CASES:-}" ]; then
	sub=${MATRIX_CASES#cases/}
	mkdir -p "$root/cases/$(dirname "$sub")"
	cp -r "$MATRIX_CASES" "$root/cases/$sub"
else
	cp -r cases/. "$root/cases/"
fi
find "$root/cases" \( -name '*.log' -o -name '*.trs' \) -delete
cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
# device nodes: /dev/urandom for programs that seed from it (dnsmasq exits 5
# without it), /dev/null for the rest
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
echo "matrix: before insmod"
/netem_probe
insmod /mod/sch_netem.ko && echo "matrix: sch_netem loaded"
/netem_probe
while read -r m; do insmod "/mod/$m.ko" || echo "matrix: insmod $m failed"; done </mod/order
if [ -n "$MATRIX_BENCH" ]; then
	# the two backends side by side, in one guest: TCG's timing is its own
	for b in netem relay; do
		BENCH_IMPAIR=$b sh /bench/bench_relay.sh >/tmp/bench.log 2>&1
		echo "matrix: bench $b exit $?"
		while read -r line; do echo "bench: $line"; done </tmp/bench.log
	done
	echo "matrix: done"
	poweroff -f
fi
# one case per vCPU: under TCG a case's own processes keep an emulated CPU
# busy, so the host's default (four per CPU, for cases that wait on kernel
# timers) left steps 237 ms late and real programs too slow for their cases
cd /tmp && NETCASE_SLOW=4 /netcase run -j "$(nproc)" $MATRIX_V /cases >/tmp/run.log 2>&1
echo "matrix: netcase exit $?"
while read -r line; do echo "case: $line"; done </tmp/run.log
netem_cases=$(grep -l -r '^netem ' /cases | sort)
if [ -n "$netem_cases" ]; then
	# the other backend: every case with a netem statement through the relay
	cd /tmp && NETCASE_SLOW=4 /netcase run -j "$(nproc)" --impair relay $netem_cases >/tmp/relay.log 2>&1
	echo "matrix: relay exit $?"
	while read -r line; do echo "relay: $line"; done </tmp/relay.log
fi
echo "matrix: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/initrd.gz"

timeout 1500 qemu-system-x86_64 -accel tcg,thread=multi -smp "$(nproc)" -cpu max -m 2048 \
	-nographic -no-reboot \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet MATRIX_V=${MATRIX_V:-} MATRIX_BENCH=${MATRIX_BENCH:-}" \
	</dev/null >"$work/console.log" 2>&1 || true
grep -E '^(matrix|netem|case|relay|bench):' "$work/console.log" | tr -d '\r'
first=$(grep -m1 '^netem:' "$work/console.log" | tr -d '\r')
second=$(grep '^netem:' "$work/console.log" | sed -n 2p | tr -d '\r')
if [ "$first" != "netem: absent" ] || [ "$second" != "netem: present" ]; then
	echo "kernel $kver: unexpected probe results (console in $work kept)"
	trap - EXIT
	exit 1
fi
echo "kernel $kver: the netem probe is right both ways"
if [ -n "${MATRIX_BENCH:-}" ]; then
	grep -q '^matrix: bench relay exit 0' "$work/console.log" &&
		grep -q '^matrix: bench netem exit 0' "$work/console.log" && exit 0
	echo "kernel $kver: the benchmark did not finish (console in $work kept)"
	trap - EXIT
	exit 1
fi
# every case's verdict here and there, side by side
verdicts() { sed -nE 's/^(case: )?(PASS|FAIL|SKIP|ERROR) +([^ ]+) \(.*/\3 \2/p' "$1" | tr -d '\r' | sort; }
verdicts "$work/console.log" >"$work/there"
# this kernel's verdicts, from make check's results when it ran
find cases -name '*.trs' | while read -r f; do
	id=${f#cases/}
	printf '%s %s\n' "${id%.trs}" "$(sed -n 's/^:test-result: //p' "$f")"
done | sort >"$work/here"
if [ -s "$work/here" ]; then
	echo "kernel matrix: case, $(uname -r) here, $kver under qemu"
	join -a 1 -a 2 -e '-' -o 0,1.2,2.2 "$work/here" "$work/there" |
		awk '{ printf "  %-40s %-6s %-6s%s\n", $1, $2, $3, $2 == $3 ? "" : "  <- differs" }'
fi
# every case passes there, or SKIPs by its kernel statement or a missing feature
failed=$(awk '$2 != "PASS" && $2 != "SKIP" { printf " %s", $1 }' "$work/there")
# a SKIP must name a kernel (a `kernel` statement) or a missing feature
skips=$(grep -E '^case: +/cases/.*: holds for kernel' "$work/console.log" | wc -l)
if [ -n "$failed" ] || ! grep -q '^matrix: done' "$work/console.log"; then
	echo "kernel $kver: the catalogue did not pass:$failed (console in $work kept)"
	grep -A 12 '^case: FAIL ' "$work/console.log" | tr -d '\r' | head -n 80
	trap - EXIT
	exit 1
fi
echo "kernel $kver: the whole catalogue passes ($(grep -c . "$work/there") cases; $skips skipped by their kernel statements)"
if grep -q '^matrix: relay exit' "$work/console.log"; then
	rbad=$(tr -d '\r' <"$work/console.log" | sed -nE 's/^relay: (FAIL|ERROR) +([^ ]+) \(.*/ \2/p')
	# a SKIP through the relay only where the case SKIPs on netem too (a
	# kernel without what the case needs, e.g. 6.1's bbr is a module)
	rskip=""
	for id in $(tr -d '\r' <"$work/console.log" | sed -nE 's/^relay: SKIP +([^ ]+) \(.*/\1/p'); do
		if grep -qx "$id SKIP" "$work/there"; then rskip="$rskip $id"; else rbad="$rbad $id"; fi
	done
	rpass=$(tr -d '\r' <"$work/console.log" | grep -cE '^relay: PASS ' || true)
	if [ -n "$rbad" ] || [ "$rpass" -eq 0 ]; then
		echo "kernel $kver: through the relay (--impair relay) these did not pass:$rbad"
		grep -A 12 '^relay: FAIL ' "$work/console.log" | tr -d '\r' | head -n 60
		trap - EXIT
		exit 1
	fi
	echo "kernel $kver: the $rpass cases with a netem statement pass through the relay as well${rskip:+ (skipped there on netem and relay alike:$rskip)}"
fi

