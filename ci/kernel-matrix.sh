#!/bin/sh
# The kernel matrix under qemu: boot Debian's stock kernel (which has
# sch_netem as a module, unlike the machines' own kernel) with TCG; check
# that netcase's netem probe says "absent" before `insmod sch_netem.ko` and
# "present" after, then run the impairment cases there (cases/impair/, two of
# which this machine's kernel can only skip) with the real netcase binary.
# Needs root for apt; takes about a minute.
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
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp /bin/busybox "$root/bin/"
for a in sh mount insmod poweroff echo mkdir cat; do ln -s busybox "$root/bin/$a"; done
# the modules the netem cases need (none has dependencies in Debian's build)
for m in sch_netem sch_tbf veth ifb sch_ingress cls_u32 act_mirred inet_diag tcp_diag udp_diag; do
	mod=$(find "/lib/modules/$kver/kernel" -name "$m.ko*" | head -n 1)
	case $mod in
	*.xz) xz -dc "$mod" >"$root/$m.ko" ;;
	*.zst) zstd -dc "$mod" >"$root/$m.ko" ;;
	*) cp "$mod" "$root/$m.ko" ;;
	esac
done
cp "$work/netem_probe" "$root/"
# the real netcase with its shared libraries, and the netem cases
cp netcase "$root/"
ldd netcase | awk '/=> \// {print $3} /^\t\// {print $1}' | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
mkdir -p "$root/cases"
cp cases/impair/*.case "$root/cases/"
cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "matrix: before insmod"
/netem_probe
insmod /sch_netem.ko && echo "matrix: sch_netem loaded"
/netem_probe
for m in sch_tbf veth ifb sch_ingress cls_u32 act_mirred inet_diag tcp_diag udp_diag; do insmod /$m.ko; done
cd / && /netcase run -v /cases >/run.log 2>&1
echo "matrix: netcase exit $?"
while read -r line; do echo "case: $line"; done </run.log
echo "matrix: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/initrd.gz"

timeout 300 qemu-system-x86_64 -accel tcg -cpu max -m 512 -nographic -no-reboot \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet" </dev/null >"$work/console.log" 2>&1 || true
grep -E '^(matrix|netem|case):' "$work/console.log" | tr -d '\r'
first=$(grep -m1 '^netem:' "$work/console.log" | tr -d '\r')
second=$(grep '^netem:' "$work/console.log" | sed -n 2p | tr -d '\r')
if [ "$first" != "netem: absent" ] || [ "$second" != "netem: present" ]; then
	echo "kernel $kver: unexpected probe results (console in $work kept)"
	trap - EXIT
	exit 1
fi
echo "kernel $kver: the netem probe is right both ways"
if ! grep -q '^matrix: netcase exit 0' "$work/console.log"; then
	echo "kernel $kver: the netem cases did not pass (console in $work kept)"
	trap - EXIT
	exit 1
fi
echo "kernel $kver: the netem cases pass"

