#!/bin/sh
# bench/addr-scale.sh: the client's tunnel addresses at scale (issue 9,
# measurement 5 groundwork; results in bench/results/<date>-addr.md).
#
#   sh bench/addr-scale.sh addr [N...]   the client alone (no gateway, so no
#        tunnel comes up), clntaddrmode route and interface, N tunnels each
#        (default 10000 30000 100000): seconds to put the addresses in place
#        (the run's addr.mode lines) and to remove them (SIGINT to exit), and
#        what is left after.  Interface mode gives up where the supervisor
#        does (SUP_KERNEL_TIMEOUT_MS, 300 s per request).
#   sh bench/addr-scale.sh scale N MODE  an ikeswarm client and gateway, N
#        tunnels, x25519, setupinterval SI (1ms), no MOBIKE, no DPD, workers
#        W (2) per side: address setup, time to all up, setup rate, peak RSS
#        (VmHWM summed over each side's processes), retransmits.
#        (bench/run.sh full now measures the rate at 100,000 vs 1,000 like
#        for like itself: its like_runs.)
#
# Each line printed carries the 1-minute load average (shared machine).
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
IKS_TEST=addr-scale
. "$ROOT/t/netns/lib.sh"
IKESWARM=${IKESWARM:-$ROOT/ikeswarm}
SI=${SI:-1ms}
W=${W:-2}
need_root
need_cmd ip awk timeout
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

T=$(iks_tmp)
CL_PREFIX=10.100.0.1/14
CL_NET=10.100.0.0/14

now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
calc() { awk "BEGIN { OFMT = \"%.3f\"; print ($1) }"; }
jnum() { grep -o "\"$2\":[0-9.]*" "$1" 2>/dev/null | head -n 1 | cut -d: -f2; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
side_hwm() {
	for p in $(ip netns pids "$1" 2>/dev/null); do hwm_kb "$p"; done |
		awk '{ s += $1 } END { print s + 0 }'
}
# addr_s LOG: the seconds of the addr.mode lines, summed (one per worker in
# interface mode, one in route mode), and how many lines.
addr_s() {
	awk '/ addr\.mode / { for (i = 1; i <= NF; i++) if ($i ~ /^seconds=/) {
		split($i, a, "="); s += a[2]; n++ } } END { printf "%.3f %d\n", s, n }' "$1"
}
# utc_s LINE: seconds of the day of a log line's timestamp.
utc_s() {
	echo "$1" | awk '{ split($1, a, "T"); split(a[2], b, ":"); sub("Z", "", b[3]);
		printf "%.3f\n", b[1] * 3600 + b[2] * 60 + b[3] }'
}

client_yaml() { # client_yaml FILE N MODE [lines...]
	local f n m
	f=$1 n=$2 m=$3
	shift 3
	{
		echo "role: client"
		echo "numberoftunnels: $n"
		echo "runningtime: 0s"
		echo "workers: $W"
		echo "startclntaddr: $CL_PREFIX"
		echo "peeraddr: $IKS_GW4"
		echo "bindifname: $IKS_IF_CL"
		echo "bindifaddr: $IKS_CL4/24"
		echo "clntaddrmode: $m"
		echo "tunnelretryinterval: 2s"
		echo "tunnelmaxretry: 3"
		echo "owntsaddrincrease: 1"
		echo "peertsaddrincrease: 0"
		for l in "$@"; do echo "$l"; done
		echo "ikeconf:"
		echo "  psk: bench-psk-0123456789"
		echo "  dhgrpid: 31"
		echo "  retraninterval: 5s"
		echo "  maxretran: 10"
		echo "  initiatedpd: false"
		echo "  childlist:"
		echo "  - lifetime: 1h"
		echo "    ownts:"
		echo "    - {type: v4, startaddr: ${CL_PREFIX%/*}, endaddr: ${CL_PREFIX%/*}}"
		echo "    peerts:"
		echo "    - {type: v4, startaddr: 10.1.0.0, endaddr: 10.1.255.255}"
	} >"$f"
}

# addr N MODE: the client alone; addresses in place, then SIGINT.
addr_one() {
	local n m d pid t0 t1 lines want set left rc inplace
	n=$1 m=$2
	d=$T/addr-$m-$n
	mkdir -p "$d"
	client_yaml "$d/cl.yaml" "$n" "$m" "setupinterval: 1h"
	want=1
	[ "$m" = interface ] && want=$W
	ip netns exec "$IKS_NS_CL" "$IKESWARM" exec -f "$d/cl.yaml" -j --lf "$d/cl.log" \
		>"$d/cl.json" 2>"$d/cl.err" &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		lines=$(grep -c ' addr\.mode ' "$d/cl.log" 2>/dev/null)
		[ "${lines:-0}" -ge $want ] && break
		sleep 0.2
	done
	set=$(addr_s "$d/cl.log")
	inplace=$(( $(ip -n "$IKS_NS_CL" -4 addr show dev "$IKS_IF_CL" | grep -c 'inet 10\.10[0-3]\.') +
		   $(ip -n "$IKS_NS_CL" -4 route show table local proto boot | grep -c '^local 10\.10[0-3]\.') ))
	t0=$(now)
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	t1=$(now)
	left=$(( $(ip -n "$IKS_NS_CL" -4 addr show dev "$IKS_IF_CL" | grep -c 'inet 10\.10[0-3]\.') +
		 $(ip -n "$IKS_NS_CL" -4 route show table all | grep -c '10\.10[0-3]\.') ))
	echo "addr mode=$m n=$n setup_s=${set% *} addr_lines=${set#* }/$want in_place=$inplace" \
	     "remove_s=$(calc "$t1 - $t0") left=$left exit=$rc load=$(load)" \
	     "err=\"$(tail -n 1 "$d/cl.err")\""
}

scale_one() { # scale_one N MODE
	local n m d gw cl t0 up tup first last hwc hwg
	n=$1 m=$2
	d=$T/scale-$m-$n
	mkdir -p "$d"
	client_yaml "$d/cl.yaml" "$n" "$m" "setupinterval: $SI"
	cat >"$d/gw.yaml" <<EOF
role: gateway
numberoftunnels: $n
runningtime: 0s
workers: $W
bindifname: $IKS_IF_GW
bindifaddr: $IKS_GW4
ikeconf:
  psk: bench-psk-0123456789
  dhgrpid: 31
  initiatedpd: false
  childlist:
  - lifetime: 1h
EOF
	echo "scale start n=$n mode=$m si=$SI workers=$W load=$(load)"
	ip netns exec "$IKS_NS_GW" "$IKESWARM" exec -f "$d/gw.yaml" -j --lf "$d/gw.log" \
		>"$d/gw.json" 2>"$d/gw.err" &
	gw=$!
	sleep 1
	t0=$(now)
	ip netns exec "$IKS_NS_CL" "$IKESWARM" exec -f "$d/cl.yaml" -j --lf "$d/cl.log" \
		>"$d/cl.json" 2>"$d/cl.err" &
	cl=$!
	while kill -0 $cl 2>/dev/null; do
		up=$(grep -c ' tunnel\.up ' "$d/cl.log" 2>/dev/null)
		[ "${up:-0}" -ge "$n" ] && break
		[ "$(calc "$(now) - $t0 > ${SCALE_MAX:-3600}")" = 1 ] && break
		sleep 2
	done
	tup=$(calc "$(now) - $t0")
	hwc=$(side_hwm "$IKS_NS_CL")
	hwg=$(side_hwm "$IKS_NS_GW")
	# the workers dial right after the addr.mode line (tunnel.start is
	# level 3, not in the log at the default level)
	first=$(utc_s "$(grep -m 1 ' addr\.mode ' "$d/cl.log")")
	last=$(utc_s "$(grep ' tunnel\.up ' "$d/cl.log" | tail -n 1)")
	echo "scale up n=$n mode=$m up=${up:-0} addr_s=$(addr_s "$d/cl.log" | cut -d' ' -f1)" \
	     "start_to_all_up_s=$tup addr_to_last_up_s=$(calc "$last - $first")" \
	     "rate=$(calc "${up:-0} / ($last - $first)")/s hwm_kb cl=$hwc gw=$hwg load=$(load)"
	t0=$(now)
	kill -INT $cl
	wait $cl
	echo "scale stop n=$n client_exit=$? stop_s=$(calc "$(now) - $t0") created=$(jnum "$d/cl.json" created)" \
	     "failed=$(jnum "$d/cl.json" failed) retransmits=$(jnum "$d/cl.json" retransmits)" \
	     "setup_rate=$(jnum "$d/cl.json" setup_rate) load=$(load)"
	kill -TERM $gw
	wait $gw
	echo "scale gw exit=$? created=$(jnum "$d/gw.json" created) dropped=$(jnum "$d/gw.json" dropped)" \
	     "left_routes=$(ip -n "$IKS_NS_CL" -4 route show table all | grep -c '10\.10[0-3]\.') load=$(load)"
	cp "$d"/*.log "${KEEP:-/tmp}/" 2>/dev/null
}

bed() {
	ns_pair
	ip -n "$IKS_NS_GW" route add "$CL_NET" via "$IKS_CL4"
}
case ${1:-addr} in
addr)
	shift
	# a fresh pair of namespaces each time: an interface run that gave up
	# leaves a kernel process still busy with its addresses for minutes
	for n in ${*:-10000 30000 100000}; do
		for m in ${MODES:-route interface}; do
			bed
			addr_one "$n" "$m"
			ns_cleanup
		done
	done
	;;
scale)
	bed
	scale_one "${2:-100000}" "${3:-route}"
	;;
*)
	echo "usage: $0 addr [N...] | scale N MODE" >&2
	exit 2
	;;
esac
