#!/bin/sh
# bench/fastpath-engine.sh [N]: CHILD SA installs per second through the
# kernel process (issue 9, measurement 7), inside user-mode Linux (the
# kernel with ESP here), next to the fastpath library alone.
#
# On the host it boots UML (t/kernel/uml.sh) and runs itself inside with
# --inside: an ikeswarm gateway and an ikeswarm client (process model:
# supervisor, kernel process, WORKERS workers each) in two namespaces on a
# veth, installfastpath: true, N tunnels (default 10000) of one AES-GCM
# CHILD SA each, setupinterval FP_SETUP.  When both sides hold 2N ESP
# states (or nothing moved for 60 s) it stops both (SIGINT: graceful, the
# CHILD SAs are deleted); each kernel
# process prints, per request kind, how many it served and when
# (`ikeswarm-kernel: child.install requests=... span=... busy=...`):
#   rate      = installs answered / (last install batch's end - first's start)
#   busy_rate = installs / time inside fp_install() (what the kernel
#               process could take if IKE fed it faster)
# Then xfrm-bench (the library alone, same boot, client and gateway style).
# Prints the lines and writes a Markdown table to
# $RESULTS_DIR/<UTC date>-fastpath.md (bench/results by default).
#
# Environment: IKESWARM, XFRM_BENCH (binaries; XFRM_BENCH= skips the
# library runs), WORKERS (1: UML has one CPU), FP_SETUP (the client's
# setupinterval, default 20ms: all at once (0s) overloads IKE in UML and
# tunnels fail), UML_MEM (default 2048M), FP_TIMEOUT (seconds inside UML,
# 900), BENCH_NOTE (a sentence for the results file).  Root.  Never in CI.
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")

inside() {
	N=$1
	W=${WORKERS:-1}
	. "$ROOT/t/kernel/lib.sh"
	IKS=$IKESWARM
	CL=fpb-cl GW=fpb-gw O_GW=10.99.0.1
	tmpd=$(mktemp -d /tmp/fpb.XXXXXX) || exit 1
	clpid="" gwpid=""
	trap kt_iks_cleanup EXIT
	echo "fastpath-engine: kernel $(uname -r), $(nproc) CPU, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB, N=$N, workers=$W, setupinterval ${FP_SETUP:-20ms}"
	# The library alone, then the kernel process fed child.batch messages
	# directly (no IKE): before the engine run, in their own netns.  The
	# pauses let the kernel's SPD hash rebuild work finish before a netns
	# goes (UML 6.1 crashed in xfrm_hash_rebuild without them).
	if [ -n "$XFRM_BENCH" ] && [ -x "$XFRM_BENCH" ]; then
		for m in "lib-client -a gcm" "lib-gateway -a gcm -g" \
			 "kproc-client -a gcm -k" "kproc-gateway -a gcm -g -k"; do
			tag=${m%% *}
			"$XFRM_BENCH" -n "$N" ${m#* } 2>&1 | sed "s/^/$tag /"
			sleep 3
		done
	fi
	# The client's N addresses are on the gateway's link: one neighbour
	# entry each.  The default table limit (gc_thresh3 1024) stalled the
	# bring-up for ~25 s every 1,023 tunnels until the GC freed entries.
	# UML's own kernel: the table-wide limits are ours to raise.
	sysctl -qw net.ipv4.neigh.default.gc_thresh1=$((2 * N + 1024)) \
		net.ipv4.neigh.default.gc_thresh2=$((2 * N + 2048)) \
		net.ipv4.neigh.default.gc_thresh3=$((2 * N + 4096)) ||
		echo "fastpath-engine: neighbour table limits not raised"
	kt_pair_links 16 || { echo "FAIL fastpath-engine: namespace setup"; exit 1; }
	# Each tunnel's own TS is a 4-address range (no route source needed,
	# no address on lo); the gateway's side is one /24 for all.
	cat > "$tmpd/cl.yaml" <<EOC
$(kt_yaml_head client $N 4 0 10.99.0.2/16)
workers: $W
setupinterval: ${FP_SETUP:-20ms}
loglevel: 4
$(kt_yaml_ike fastpath-bench)
  dhgrpid: [31]
  # no DPD, patient retransmits, no IKE rekey: in an overloaded UML the
  # defaults time tunnels out and they flap (seen: 2,000 tunnels, 4,600
  # tunnel.up, 5,600 exchange timeouts)
  initiatedpd: false
  retraninterval: 10s
  maxretran: 6
  ikelifetime: 2h
  childlist:
$(kt_child aes-gcm-16:128 1h 10.64.0.0 10.64.0.3 10.200.0.0 10.200.0.255)
EOC
	cat > "$tmpd/gw.yaml" <<EOC
$(kt_yaml_head gateway $N 0 0)
workers: $W
loglevel: 2
$(kt_yaml_ike fastpath-bench)
  dhgrpid: [31]
  initiatedpd: false
  ikelifetime: 2h
  childlist:
$(kt_child aes-gcm-16:128 1h 10.200.0.0 10.200.0.255 10.64.0.0 10.127.255.255)
EOC
	KT_GAP=2 kt_start_pair "" "" -j
	t0=$(date +%s)
	# Both sides hold 2N states (every install answered), or no progress
	# for 60 s, or a side died.
	want=$((2 * N)) last=-1 still=0 c=0 g=0
	while :; do
		sleep 2
		c=$(ip -n $CL xfrm state count | awk '{ print $3 }')
		g=$(ip -n $GW xfrm state count | awk '{ print $3 }')
		up=$(grep -c ' tunnel.up ' "$tmpd/cl.log" 2>/dev/null)
		echo "# $(($(date +%s) - t0)) s: tunnels up $up, states client $c gateway $g"
		[ "$c" -ge $want ] && [ "$g" -ge $want ] && break
		kill -0 $clpid 2>/dev/null && kill -0 $gwpid 2>/dev/null || break
		if [ $((c + g)) -eq "$last" ]; then
			still=$((still + 2))
			[ $still -ge 60 ] && break
		else
			still=0 last=$((c + g))
		fi
	done
	echo "# all states after $(($(date +%s) - t0)) s; free: $(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo) MiB"
	kill -INT $clpid 2>/dev/null
	sleep 1
	kill -INT $gwpid 2>/dev/null
	for p in $clpid $gwpid; do
		i=0
		while kill -0 $p 2>/dev/null && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
	done
	clpid="" gwpid=""
	for side in cl gw; do
		grep '^ikeswarm-kernel: child\|^ikeswarm-w.*fastpath' "$tmpd/$side.out" |
			sed "s/^/$side /"
	done
	rate=$(grep -o '"setup_rate":[0-9.]*' "$tmpd/cl.out" | cut -d: -f2)
	echo "cl ike setup_rate=${rate:-?}/s (first IKE_SA_INIT to last tunnel up, client clock)"
	echo "states at the end: client $c gateway $g of $want each"
	fails=$(grep -c 'child.fastpath.fail' "$tmpd/cl.log" "$tmpd/gw.log" | awk -F: '{ s += $2 } END { print s }')
	echo "child.fastpath.fail lines: $fails"
	# what the tunnels did (a run that loses tunnels says why here)
	for side in cl gw; do
		awk '{ for (i = 3; i <= NF; i++) if ($i ~ /^[a-z_]+\.[a-z_.]+$/) { print $i; break } }' \
			"$tmpd/$side.log" | sort | uniq -c | sort -rn | head -n 12 |
			awk -v s=$side '{ printf "%s events %s=%s\n", s, $2, $1 }'
		grep -o 'reason=[^ ]*' "$tmpd/$side.log" | sort | uniq -c | sort -rn | head -n 5 |
			awk -v s=$side '{ printf "%s reasons %s x%s\n", s, $2, $1 }'
	done
	grep -h 'child.fastpath.fail' "$tmpd/cl.log" "$tmpd/gw.log" | head -n 3 | sed 's/^/  /'
	sleep 3
}

if [ "$1" = --inside ]; then
	inside "${2:-10000}"
	exit 0
fi

N=${1:-10000}
[ "$(id -u)" = 0 ] || { echo "SKIP fastpath-engine: needs root"; exit 77; }
IKESWARM=${IKESWARM:-$ROOT/ikeswarm}
XFRM_BENCH=${XFRM_BENCH-$ROOT/build/bench/xfrm-bench}
export IKESWARM XFRM_BENCH WORKERS FP_SETUP
export UML_ENV="IKESWARM XFRM_BENCH WORKERS FP_SETUP"
export UML_MEM=${UML_MEM:-2048M}
RESULTS_DIR=${RESULTS_DIR:-$BENCH_DIR/results}
out=$(cd "$ROOT" && sh t/kernel/uml.sh -t "${FP_TIMEOUT:-900}" bench/fastpath-engine.sh --inside "$N" 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 0 ] || { echo "fastpath-engine: uml.sh exited $rc"; exit 1; }

# The table: one row per side, the library alone beside it.
field() { # LINE-PREFIX KEY
	printf '%s\n' "$out" | grep "^$1" | head -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}
lib() { # lib|kproc client|gateway: the install rate of xfrm-bench
	printf '%s\n' "$out" | grep "^$1-$2 xfrm-bench: install" | head -n 1 |
		grep -o '[0-9][0-9.]* SA/s' | head -n 1
}
file="$RESULTS_DIR/$(date -u +%Y-%m-%d)-fastpath.md"
mkdir -p "$RESULTS_DIR"
{
	echo "# CHILD SA installs per second through the kernel process ($(date -u +%Y-%m-%dT%H:%MZ))"
	echo
	echo "$(printf '%s\n' "$out" | grep '^fastpath-engine:' | head -n 1)"
	echo
	echo "| side | installs answered | rate (first to last batch) | inside fp_install | child.batch messages (serve time) | kernel process without IKE (xfrm-bench -k) | library alone (xfrm-bench) |"
	echo "|---|---|---|---|---|---|---|"
	for side in cl gw; do
		l="$side ikeswarm-kernel: child.install"
		style=client
		[ $side = gw ] && style=gateway
		echo "| $style | $(field "$l" requests) (failed $(field "$l" failed)) |" \
			"$(field "$l" rate) in $(field "$l" span) | $(field "$l" busy_rate) ($(field "$l" busy)) |" \
			"$(field "$side ikeswarm-kernel: child.batch" messages) ($(field "$side ikeswarm-kernel: child.batch" serve)) |" \
			"$(lib kproc $style) | $(lib lib $style) |"
	done
	echo
	echo "IKE: $(printf '%s\n' "$out" | grep '^cl ike setup_rate' | cut -c4-)"
	echo
	[ -n "$BENCH_NOTE" ] && { echo "$BENCH_NOTE"; echo; }
	echo '```'
	printf '%s\n' "$out" | grep -v '^# [0-9]* s:' | tail -n 60
	echo '```'
} > "$file"
echo "fastpath-engine: wrote $file"
