# Helpers for the shell tests; sourced.  Exit codes follow automake:
# 0 pass, 1 fail, 77 skip, 99 hard error.
: "${top_builddir:=.}" "${top_srcdir:=.}"
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# Everything of the root namespace a run could change, as text.
root_snapshot() {
	ip -o link show | sed -E 's/ (qlen|link-netnsid) [0-9]+//g' | awk '{$1=""; print}' | sort
	ip -o addr show | sort
	ip route show table all | sort
	ip -6 route show table all | sed -E 's/ expires [0-9]+sec//' | sort
	ip rule show
	find /proc/sys/net -type f -perm -u+r 2>/dev/null | sort | while read -r f; do
		case $f in
		*/nf_conntrack_count|*/stable_secret|*/flush|*/random*|*/base_reachable_time*) continue ;;
		esac
		printf '%s=%s\n' "$f" "$(tr '\t\n' '  ' <"$f" 2>/dev/null)"
	done
	if command -v nft >/dev/null 2>&1; then nft list ruleset 2>/dev/null; fi
	# exec actors see the case's names through a private /etc/hosts
	cksum /etc/hosts
	grep ' /etc/hosts ' /proc/self/mountinfo || true
}
