#!/bin/sh
# ikeswarm exec as a process tree (supervisor, kernel process, workers),
# client and gateway in two namespaces on a veth pair:
#  procs_wN          N = 1, 2, 4 workers on both sides: 200 tunnels, both -j
#                    results pass with the same counts; the one log file has
#                    lines from every worker, all in the log format
#  procs_gw_tunnel_ids_wN a gateway tunnel index appears under one worker only
#  procs_log_keyword / procs_log_cap  4 workers: logkeyword keeps exactly
#                    the matching lines; logfilesizecap 1 MB rotates to .prev,
#                    neither file passes the cap, every line parses
#  procs_names       the processes name themselves (ikeswarm-sup,
#                    ikeswarm-kernel, ikeswarm-w0 ...) and workers are
#                    children of the supervisor
#  procs_cli_*       every control request against a running client (and
#                    list/dump on the gateway) with `ikeswarm cli` one-shot,
#                    the answers parsed as JSON; bad requests get JSON errors
#  procs_cli_dump_fields / procs_cli_dumpchild_fields  lifetimes, DPD, NAT,
#                    times, SK_d/e/a; TS, mode, lifetimes, ESP keys of a CHILD SA
#  procs_cli_subscribe the subscribe request answers the PUB url and topics
#  procs_events_*    `ikeswarm cli events` (and nngcat) during a kill -9:
#                    the lines parse, worker.died arrives, a level-3 keyword
#                    subscription gets VERB lines of w1 only while the log
#                    file (level 2) has none
#  procs_kill_client kill -9 of a client worker mid-run: worker.died logged,
#                    the worker restarted, its tunnels up again, result pass;
#                    summary and -j show events_dropped 0
#  procs_sigint      SIGINT to the supervisor: graceful stop, exit bounded
#  procs_sigint_graceful SIGINT to a client with tunnels up: its DELETEs
#                    close them on the gateway, exit 0
#  procs_kill_gw     kill -9 of a gateway worker: restarted; the clients' DPD
#                    notices and every tunnel comes back
#  procs_kill_gw_new_ids the restarted gateway worker numbers its peers from
#                    the next unused million, never its predecessor's indexes
#  procs_abortonerr  with abortonerr a dead worker ends the run, exit 1
#  procs_kernel_died kill -9 of the client's kernel process: the run stops
#                    with a clear error and its addresses are still removed
#  procs_no_orphans  kill -9 of a supervisor: its workers die with it, its
#                    kernel process still removes the addresses and the
#                    runtime folder
#  procs_sigint_twice a second SIGINT stops at once
#  procs_second_run_refused a second client in the same namespace gets a
#                    clear error instead of sharing the IKE ports
#  procs_clean       after everything: no process in the namespaces, no
#                    runtime folder, the client's addresses removed
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout python3
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
RT=$T/rt # TMPDIR of every run: their runtime folders go here
mkdir -p "$RT"
# via the client's address: one neighbour entry, not one per tunnel address
# (the neighbour table is host-wide, gc_thresh3 is 1024 by default)
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4"

# jnum FILE KEY: the first "KEY":number of a JSON file.
jnum() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2
}

# write_conf FILE ROLE TUNNELS RUNNINGTIME WORKERS [extra top-level lines...]
write_conf() {
	local f role n rt w
	f=$1 role=$2 n=$3 rt=$4 w=$5
	shift 5
	{
		echo "role: $role"
		echo "numberoftunnels: $n"
		echo "runningtime: $rt"
		echo "workers: $w"
		if [ "$role" = client ]; then
			echo "startclntaddr: ${CL_START:-10.98.0.1}/16"
			echo "peeraddr: $IKS_GW4"
			echo "bindifname: $IKS_IF_CL"
			echo "bindifaddr: $IKS_CL4/24" # the flush at start takes it
			echo "setupinterval: ${CL_SI:-5ms}"
			echo "tunnelretryinterval: 1s"
			echo "tunnelmaxretry: ${CL_RETRY:-3}"
		else
			echo "bindifname: $IKS_IF_GW"
			echo "bindifaddr: $IKS_GW4"
		fi
		for l in "$@"; do
			echo "$l"
		done
		echo "ikeconf:"
		echo "  psk: iks-procs-test"
		printf '%s\n' "$IKE_EXTRA" | while IFS= read -r l; do
			[ -z "$l" ] || echo "  $l"
		done
	} >"$f"
}

# start_gw NAME: the gateway in the background (pid in GWPID).
start_gw() {
	TMPDIR=$RT ip netns exec "$IKS_NS_GW" timeout 90 "$IKESWARM" exec -f "$T/$1-gw.yaml" -j \
		--lf "$T/$1-gw.log" >"$T/$1-gw.json" 2>"$T/$1-gw.err" &
	GWPID=$!
	sleep 0.5
}

# run_cl NAME: the client in the foreground (exit code in CL_RC).
run_cl() {
	TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 90 "$IKESWARM" exec -f "$T/$1-cl.yaml" -j \
		--lf "$T/$1-cl.log" >"$T/$1-cl.json" 2>"$T/$1-cl.err"
	CL_RC=$?
}

comm_pid() { # comm_pid NS NAME: the pid of the process called NAME in NS
	for p in $(ip netns pids "$1"); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = "$2" ] && echo $p
	done | head -n 1
}

# gw_ids_ok LOG: no tunnel index (of an ike.established line) under two workers.
gw_ids_ok() {
	python3 - "$1" <<'PY'
import re, sys
seen = {}
for line in open(sys.argv[1]):
    m = re.search(r' (w\d+) (t\d+) ike=\S+ ike\.established', line)
    if m:
        seen.setdefault(m.group(2), set()).add(m.group(1))
dup = {t: w for t, w in seen.items() if len(w) > 1}
if not seen or dup:
    sys.exit('%d indexes, under two workers: %s' % (len(seen), sorted(dup)[:5]))
PY
}

# log_ok LOG WORKERS: every line in the log format; lines from w0..w(N-1).
log_ok() {
	python3 - "$1" "$2" <<'PY'
import re, sys
path, n = sys.argv[1], int(sys.argv[2])
rx = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z (ERROR|INFO|VERB|DEBUG|TRACE) '
                r'w(\d+|-) t(\d+|-)( ike=[0-9a-f]{16})? [a-z][a-z0-9_.]*( .*)?$')
seen = set()
for i, line in enumerate(open(path), 1):
    m = rx.match(line.rstrip('\n'))
    if not m:
        sys.exit('%s:%d: not a log line: %r' % (path, i, line[:120]))
    seen.add(m.group(2))
missing = [w for w in map(str, range(n)) if w not in seen]
if missing:
    sys.exit('%s: no line from worker(s) %s' % (path, ','.join(missing)))
PY
}

# ---- workers = 1, 2, 4 ----
ref=""
for w in 1 2 4; do
	name=w$w
	write_conf "$T/$name-gw.yaml" gateway 200 8s $w
	write_conf "$T/$name-cl.yaml" client 200 4s $w
	start_gw $name
	run_cl $name
	wait $GWPID
	GW_RC=$?
	got="cl:$(jnum "$T/$name-cl.json" created)/$(jnum "$T/$name-cl.json" failed)"
	got="$got gw:$(jnum "$T/$name-gw.json" created) closed:$(jnum "$T/$name-gw.json" closed)"
	if [ $CL_RC -ne 0 ] || [ $GW_RC -ne 0 ]; then
		fail procs_$name "exit codes client $CL_RC gateway $GW_RC ($got; $(tail -n 1 "$T/$name-cl.err"))"
	elif [ "$got" != "cl:200/0 gw:200 closed:200" ]; then
		fail procs_$name "results $got"
	elif [ -n "$ref" ] && [ "$got" != "$ref" ]; then
		fail procs_$name "results differ from workers=1: $got vs $ref"
	elif ! out=$(log_ok "$T/$name-cl.log" $w 2>&1 && log_ok "$T/$name-gw.log" $w 2>&1); then
		fail procs_$name "$out"
	else
		pass procs_$name
	fi
	if [ $w -gt 1 ]; then
		out=$(gw_ids_ok "$T/$name-gw.log" 2>&1) && pass procs_gw_tunnel_ids_$name ||
			fail procs_gw_tunnel_ids_$name "$out"
	fi
	ref=$got
done

# ---- the log of 4 workers: keyword filter, size cap with .prev ----
# (time and retries to spare: on a loaded 2-core machine 2000 tunnels have
# taken 30 s)
write_conf "$T/kw-gw.yaml" gateway 2000 36s 4 "loglevel: 5" "logfilesizecap: 1"
CL_SI=2ms CL_RETRY=20
write_conf "$T/kw-cl.yaml" client 2000 30s 4 "logkeyword: tunnel.up"
CL_SI="" CL_RETRY=""
start_gw kw
run_cl kw
wait $GWPID
GW_RC=$?
n_up=$(grep -c ' tunnel\.up ' "$T/kw-cl.log")
n_all=$(wc -l <"$T/kw-cl.log")
if [ $CL_RC -ne 0 ] || [ "$n_up" -ne 2000 ] || [ "$n_all" -ne 2000 ]; then
	fail procs_log_keyword "exit $CL_RC, $n_up tunnel.up lines of $n_all"
elif ! out=$(log_ok "$T/kw-cl.log" 4 2>&1); then
	fail procs_log_keyword "$out"
else
	pass procs_log_keyword
fi
size=$(wc -c <"$T/kw-gw.log")
if [ $GW_RC -ne 0 ]; then
	fail procs_log_cap "gateway exit $GW_RC"
elif [ ! -s "$T/kw-gw.log.prev" ]; then
	fail procs_log_cap "no .prev file ($size bytes in the log)"
elif [ "$size" -gt 1048576 ] || [ "$(wc -c <"$T/kw-gw.log.prev")" -gt 1048576 ]; then
	fail procs_log_cap "a file passed the cap: $size bytes"
elif ! out=$(cat "$T/kw-gw.log.prev" "$T/kw-gw.log" >"$T/kw-both.log" &&
	     log_ok "$T/kw-both.log" 4 2>&1); then
	fail procs_log_cap "$out"
else
	pass procs_log_cap
fi

# ---- a long run to look at: names, control requests, kill -9 ----
write_conf "$T/long-gw.yaml" gateway 100 80s 2 "apilistenport: 12340"
write_conf "$T/long-cl.yaml" client 100 60s 2 "apilistenport: 12341"
start_gw long
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 90 "$IKESWARM" exec -f "$T/long-cl.yaml" -j \
	--lf "$T/long-cl.log" >"$T/long-cl.json" 2>"$T/long-cl.err" &
CLPID=$!
sleep 2.5

cl_cli() {
	ip netns exec "$IKS_NS_CL" "$IKESWARM" cli --svr tcp://127.0.0.1:12341 --timeout 5 "$@" \
		>"$T/cli.out" 2>"$T/cli.err"
	CLI_RC=$?
}
# jq_py EXPR: evaluate EXPR with r = the parsed reply in $T/cli.out
jq_py() {
	python3 -c "import json,sys; r=json.load(open('$T/cli.out')); sys.exit(0 if ($1) else 1)"
}
jq_get() {
	python3 -c "import json; r=json.load(open('$T/cli.out')); print($1)"
}

# names: the client's tree
sup=$(ip netns pids "$IKS_NS_CL" | while read -r p; do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = ikeswarm-sup ] && echo $p; done | head -n 1)
names=""
if [ -n "$sup" ]; then
	for p in $(ip netns pids "$IKS_NS_CL"); do
		[ "$(awk '{print $4}' /proc/$p/stat 2>/dev/null)" = "$sup" ] &&
			names="$names $(cat /proc/$p/comm)"
	done
fi
names=$(echo $names | tr ' ' '\n' | sort | tr '\n' ' ')
if [ "$names" = "ikeswarm-kernel ikeswarm-w0 ikeswarm-w1 " ]; then
	pass procs_names
else
	fail procs_names "supervisor '$sup', children: '$names'"
fi

cl_cli summary
check procs_cli_summary jq_py "r['ok'] and r['configured'] == 100 and r['created'] == 100 and len(r['workers']) == 2"
cl_cli uptime
check procs_cli_uptime jq_py "r['ok'] and r['uptime_s'] > 1"
cl_cli list 0 150
check procs_cli_list jq_py "r['ok'] and r['total'] == 100 and len(r['ike_sas']) == 100 and {s['worker'] for s in r['ike_sas']} == {0, 1}"
spi1=$(jq_get "[s['spi'] for s in r['ike_sas'] if s['worker'] == 1][0]")
cl_cli list 95 10
check procs_cli_list_window jq_py "r['ok'] and len(r['ike_sas']) == 5"
cl_cli dump "$spi1"
check procs_cli_dump jq_py "r['ok'] and r['ike_sa']['spi'] == '$spi1' and r['ike_sa']['state'] == 'established' and r['ike_sa']['worker'] == 1"
s="r['ike_sa']"
check procs_cli_dump_fields jq_py "$s['lifetime']['ikelifetime_s'] == 600 and 0 < $s['lifetime']['rekey_in_s'] <= 600 and $s['dpd']['interval_s'] > 0 and $s['nat_local'] is False and $s['nat_remote'] is False and len($s['keys']['sk_d']) == 64 and int($s['keys']['sk_d'], 16) > 0 and len($s['keys']['sk_ei']) == len($s['keys']['sk_er']) == 2 * $s['encr_keybits'] // 8 and len($s['keys']['sk_ai']) == 64 and $s['keys']['sk_ai'] != $s['keys']['sk_ar'] and $s['age_s'] > 0 and $s['created_us'] > 0 and $s['encr'] and $s['prf'] and $s['dh'] and $s['local'].startswith('10.98.') and $s['peer'] == '$IKS_GW4'"
cl_cli listchild 0 3
check procs_cli_listchild jq_py "r['ok'] and r['total'] == 100 and len(r['child_sas']) == 3"
cspi=$(jq_get "r['child_sas'][0]['spi']")
cl_cli dumpchild "$cspi"
check procs_cli_dumpchild jq_py "r['ok'] and r['child_sa']['spi'] == '$cspi' and r['child_sa']['mode'] == 'tunnel'"
s="r['child_sa']"
check procs_cli_dumpchild_fields jq_py "$s['lifetime']['lifetime_s'] > 0 and 0 < $s['lifetime']['rekey_in_s'] <= $s['lifetime']['lifetime_s'] and '-' in $s['ts_local'] and '-' in $s['ts_remote'] and len($s['spi_out']) == 8 and $s['encr'] and $s['integ'] and $s['pfs_dh'] and $s['local'].startswith('10.98.') and $s['age_s'] > 0 and len($s['keys']['encr_i']) == len($s['keys']['encr_r']) == 2 * $s['encr_keybits'] // 8 and len($s['keys']['integ_i']) == 64 and $s['keys']['encr_i'] != $s['keys']['encr_r'] and $s['exch_initiator'] is True"
cl_cli rekeychild "$cspi"
check procs_cli_rekeychild jq_py "r['ok']"
cl_cli log 3 child
check procs_cli_log jq_py "r['ok'] and r['level'] == 3 and r['keyword'] == 'child'"
cl_cli subscribe 3 tunnel.
check procs_cli_subscribe jq_py "r['ok'] and r['url'] == 'tcp://127.0.0.1:12342' and r['topics'] == ['1', '2', '3'] and r['lease_s'] > 0"
cl_cli subscribe 0
check procs_cli_bad_subscribe test "$CLI_RC" -eq 2
# bad ones: each gets a JSON error and changes nothing
cl_cli dump 7f00000000000001
check procs_cli_bad_worker jq_py "not r['ok'] and 'error' in r"
cl_cli dump 0011223344556677
check procs_cli_bad_spi jq_py "not r['ok'] and 'no IKE SA' in r['error']"
cl_cli dumpchild 01000001
check procs_cli_bad_child jq_py "not r['ok']"
cl_cli log 9
check procs_cli_bad_level test "$CLI_RC" -eq 2
cl_cli nosuchcommand
check procs_cli_unknown test "$CLI_RC" -eq 2
if command -v nngcat >/dev/null 2>&1; then
	for req in '{"cmd":"dump","spi":"xyz"}' '{"cmd":"frobnicate"}' 'not json' '{"cmd":"list","len":-1}'; do
		ip netns exec "$IKS_NS_CL" timeout 5 nngcat --req --dial tcp://127.0.0.1:12341 \
			--data "$req" --format ascii >"$T/cli.out" 2>&1
		sed -i 's/^"//; s/"$//; s/\\"/"/g' "$T/cli.out"
		check "procs_cli_raw_$(echo "$req" | tr -cd 'a-z' | cut -c1-12)" \
			jq_py "r['ok'] is False and r['type'] == 'error'"
	done
else
	iks_log "nngcat missing: raw malformed requests not sent"
fi
cl_cli summary
check procs_cli_unchanged jq_py "r['ok'] and r['created'] == 100"
# the gateway routes too
ip netns exec "$IKS_NS_GW" "$IKESWARM" cli --svr tcp://127.0.0.1:12340 list 0 200 >"$T/cli.out" 2>&1
check procs_cli_gw_list jq_py "r['ok'] and r['total'] == 100 and {s['worker'] for s in r['ike_sas']} == {0, 1}"
gspi=$(jq_get "r['ike_sas'][-1]['spi']")
ip netns exec "$IKS_NS_GW" "$IKESWARM" cli --svr tcp://127.0.0.1:12340 dump "$gspi" >"$T/cli.out" 2>&1
check procs_cli_gw_dump jq_py "r['ok'] and r['ike_sa']['spi'] == '$gspi'"

# kill -9 client worker 1: restarted, its tunnels come back
w1=""
for p in $(ip netns pids "$IKS_NS_CL"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = ikeswarm-w1 ] && w1=$p
done
# subscribers while it happens: every line, and a level-3 keyword one
ip netns exec "$IKS_NS_CL" "$IKESWARM" cli --svr tcp://127.0.0.1:12341 events --for 6 \
	>"$T/ev-all.out" 2>"$T/ev-all.err" &
EVPID=$!
ip netns exec "$IKS_NS_CL" "$IKESWARM" cli --svr tcp://127.0.0.1:12341 events --level 3 \
	--keyword 'w1 ' --for 6 >"$T/ev-w1.out" 2>"$T/ev-w1.err" &
EV1PID=$!
NCPID=""
if command -v nngcat >/dev/null 2>&1; then
	ip netns exec "$IKS_NS_CL" timeout 6 nngcat --sub --dial tcp://127.0.0.1:12342 \
		--subscribe 1 --format ascii >"$T/ev-nngcat.out" 2>&1 &
	NCPID=$!
fi
sleep 1
kill -9 $w1
sleep 4
cl_cli summary
check procs_kill_client_back jq_py "r['ok'] and r['workers'][1]['starts'] == 2 and r['counters']['established'] == 100"
check procs_events_dropped_summary jq_py "r['events_dropped'] == 0 and [w['events_dropped'] for w in r['workers']] == [0, 0]"
wait $EVPID
EV_RC=$?
wait $EV1PID
if [ $EV_RC -ne 0 ]; then
	fail procs_events_cli "exit $EV_RC: $(tail -n 1 "$T/ev-all.err")"
elif ! grep -q ' w1 t- worker.died signal=9' "$T/ev-all.out" ||
     ! grep -q ' INFO w1 t[0-9]* ike=[0-9a-f]* tunnel.up ' "$T/ev-all.out"; then
	fail procs_events_cli "no worker.died or tunnel.up of w1 among $(wc -l <"$T/ev-all.out") lines"
elif ! out=$(log_ok "$T/ev-all.out" 0 2>&1); then
	fail procs_events_cli "$out"
else
	pass procs_events_cli
fi
n_w1=$(grep -c ' VERB w1 ' "$T/ev-w1.out")
if [ "$(grep -vc ' w1 ' "$T/ev-w1.out")" -ne 0 ]; then
	fail procs_events_keyword "lines without 'w1 ': $(grep -v ' w1 ' "$T/ev-w1.out" | head -n 1)"
elif [ "$n_w1" -eq 0 ]; then
	fail procs_events_keyword "no VERB line of w1 ($(wc -l <"$T/ev-w1.out") lines)"
elif grep -q ' VERB ' "$T/long-cl.log"; then
	fail procs_events_keyword "VERB lines in the level-2 log file"
else
	pass procs_events_keyword
fi
if [ -n "$NCPID" ]; then
	wait $NCPID
	if grep -q '^1 .* w1 t- worker.died signal=9' "$T/ev-nngcat.out" &&
	   ! grep -q '^[2-5] ' "$T/ev-nngcat.out"; then
		pass procs_events_nngcat
	else
		fail procs_events_nngcat "$(head -c 300 "$T/ev-nngcat.out")"
	fi
fi
cl_cli stop
check procs_cli_stop jq_py "r['ok'] and r['graceful']"
wait $CLPID
CL_RC=$?
if [ $CL_RC -ne 0 ] || [ "$(jnum "$T/long-cl.json" created)" != 100 ] ||
   [ "$(jnum "$T/long-cl.json" events_dropped)" != 0 ]; then
	fail procs_kill_client "exit $CL_RC, created $(jnum "$T/long-cl.json" created), events_dropped $(jnum "$T/long-cl.json" events_dropped)"
elif ! grep -q ' w1 t- worker.died signal=9' "$T/long-cl.log" ||
     ! grep -q ' w1 t- worker.restarted' "$T/long-cl.log"; then
	fail procs_kill_client "no worker.died signal=9 / worker.restarted in the log"
else
	pass procs_kill_client
fi

# SIGINT to the gateway's supervisor: graceful, bounded
t0=$(date +%s)
# (to the supervisor itself: `timeout` would pass a SIGINT on twice, to its
# child and to its process group, which is a second signal)
kill -INT "$(comm_pid "$IKS_NS_GW" ikeswarm-sup)"
wait $GWPID
t1=$(date +%s)
if [ $((t1 - t0)) -gt 25 ]; then
	fail procs_sigint "took $((t1 - t0)) s"
elif ! grep -q 'stop why=SIGINT' "$T/long-gw.log" || grep -q 'stop.now' "$T/long-gw.log"; then
	fail procs_sigint "no stop (or a stop.now) in the gateway log"
elif [ -z "$(jnum "$T/long-gw.json" created)" ]; then
	fail procs_sigint "no result: $(tail -n 1 "$T/long-gw.err")"
else
	pass procs_sigint
fi

# ---- deaths: a gateway worker, abortonerr, the kernel process ----
IKE_EXTRA="forcedpd: true
dpdinterval: 1s
retraninterval: 500ms
maxretran: 2"
write_conf "$T/die-gw.yaml" gateway 120 90s 2 "apilistenport: 12342"
CL_RETRY=20
write_conf "$T/die-cl.yaml" client 100 60s 2 "apilistenport: 12343"
CL_RETRY=""
IKE_EXTRA=""
start_gw die
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 90 "$IKESWARM" exec -f "$T/die-cl.yaml" -j \
	--lf "$T/die-cl.log" >"$T/die-cl.json" 2>"$T/die-cl.err" &
CLPID=$!
sleep 3
kill -9 "$(comm_pid "$IKS_NS_GW" ikeswarm-w1)"
sleep 9
ip netns exec "$IKS_NS_GW" "$IKESWARM" cli --svr tcp://127.0.0.1:12342 summary >"$T/cli.out" 2>&1
up="r['counters']['established'] + r['counters'].get('dpd', 0) == 100"
check procs_kill_gw_restarted jq_py "r['ok'] and r['workers'][1]['starts'] == 2 and $up"
cl_port=12343
ip netns exec "$IKS_NS_CL" "$IKESWARM" cli --svr tcp://127.0.0.1:$cl_port summary >"$T/cli.out" 2>&1
check procs_kill_gw_client_up jq_py "r['ok'] and $up and r['counters']['dpd_sent'] > 0"
grep -q ' w1 t- worker.died signal=9' "$T/die-gw.log" && pass procs_kill_gw_logged ||
	fail procs_kill_gw_logged "no worker.died in the gateway log"
# the restarted w1 numbers its peers from the next unused million (2 workers:
# 2,000,000), none of its dead predecessor's indexes again
out=$(python3 - "$T/die-gw.log" <<'PY' 2>&1
import re, sys
before, after, restarted = set(), set(), None
for line in open(sys.argv[1]):
    m = re.search(r' w1 t- worker\.restarted .*first_index=(\d+)', line)
    if m:
        restarted = int(m.group(1))
    m = re.search(r' w1 t(\d+) ike=\S+ ike\.established', line)
    if m:
        (after if restarted is not None else before).add(int(m.group(1)))
if restarted != 2000000 or not before or not after:
    sys.exit('first_index %s, %d indexes before, %d after' % (restarted, len(before), len(after)))
if before & after or min(after) < 2000000:
    sys.exit('reused: %s' % sorted(before & after)[:5] or min(after))
PY
) && pass procs_kill_gw_new_ids || fail procs_kill_gw_new_ids "$out"

# the client's kernel process dies
kill -9 "$(comm_pid "$IKS_NS_CL" ikeswarm-kernel)"
wait $CLPID
CL_RC=$?
naddr=$(ip -n "$IKS_NS_CL" -4 addr show dev "$IKS_IF_CL" | grep -c 'inet ')
if [ $CL_RC -ne 1 ]; then
	fail procs_kernel_died "exit $CL_RC"
elif ! grep -q 'kernel process died' "$T/die-cl.err"; then
	fail procs_kernel_died "stderr: $(tail -n 1 "$T/die-cl.err")"
elif ! grep -q 'kernel.cleanup requests=[0-9]* failed=0' "$T/die-cl.log"; then
	fail procs_kernel_died "no cleanup in the log"
elif [ "$naddr" -ne 1 ]; then
	fail procs_kernel_died "$naddr IPv4 addresses left on the client veth"
else
	pass procs_kernel_died
fi

# abortonerr (one client per namespace: the first has ended)
CL_START=10.98.100.1
write_conf "$T/abort-cl.yaml" client 20 60s 2 "apilistenport: 12344" "abortonerr: true"
CL_START=""
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 90 "$IKESWARM" exec -f "$T/abort-cl.yaml" -j \
	--lf "$T/abort-cl.log" >"$T/abort-cl.json" 2>"$T/abort-cl.err" &
ABPID=$!
sleep 2
for p in $(ip netns pids "$IKS_NS_CL"); do
	# the abort run's worker 0: its supervisor's command line names abort-cl
	[ "$(cat /proc/$p/comm 2>/dev/null)" = ikeswarm-w0 ] &&
		tr '\0' ' ' </proc/$p/cmdline | grep -q abort-cl && kill -9 $p
done
t0=$(date +%s)
wait $ABPID
AB_RC=$?
t1=$(date +%s)
if [ $AB_RC -ne 1 ]; then
	fail procs_abortonerr "exit $AB_RC"
elif ! grep -q 'abortonerr' "$T/abort-cl.err" || grep -q worker.restarted "$T/abort-cl.log"; then
	fail procs_abortonerr "stderr: $(tail -n 1 "$T/abort-cl.err")"
elif [ $((t1 - t0)) -gt 20 ]; then
	fail procs_abortonerr "took $((t1 - t0)) s"
else
	pass procs_abortonerr
fi

# SIGINT to a client with tunnels up: DELETEs reach the gateway, exit 0
# (pre-check: a second client in the namespace while int-cl runs is refused)
CL_START=10.98.200.1
write_conf "$T/int-cl.yaml" client 20 60s 2 "apilistenport: 12345"
CL_START=""
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 90 "$IKESWARM" exec -f "$T/int-cl.yaml" -j \
	--lf "$T/int-cl.log" >"$T/int-cl.json" 2>"$T/int-cl.err" &
INTPID=$!
sleep 2
TMPDIR=$RT ip netns exec "$IKS_NS_CL" timeout 30 "$IKESWARM" exec -f "$T/abort-cl.yaml" -j \
	--lf "$T/second-cl.log" >/dev/null 2>"$T/second-cl.err"
SEC_RC=$?
if [ $SEC_RC -eq 1 ] && grep -q 'cannot open the IKE sockets.*in use' "$T/second-cl.err"; then
	pass procs_second_run_refused
else
	fail procs_second_run_refused "exit $SEC_RC: $(tail -n 1 "$T/second-cl.err")"
fi
gw_closed() {
	ip netns exec "$IKS_NS_GW" "$IKESWARM" cli --svr tcp://127.0.0.1:12342 summary |
		python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['closed'])"
}
c0=$(gw_closed)
isup=""
for p in $(ip netns pids "$IKS_NS_CL"); do
	[ "$(cat /proc/$p/comm 2>/dev/null)" = ikeswarm-sup ] &&
		tr '\0' ' ' </proc/$p/cmdline | grep -q int-cl && isup=$p
done
kill -INT "$isup"
wait $INTPID
INT_RC=$?
sleep 0.5
c1=$(gw_closed)
if [ $INT_RC -ne 0 ] || [ "$(jnum "$T/int-cl.json" created)" != 20 ]; then
	fail procs_sigint_graceful "exit $INT_RC, created $(jnum "$T/int-cl.json" created)"
elif [ $((c1 - c0)) -lt 20 ] || grep -q 'worker.died' "$T/int-cl.log"; then
	fail procs_sigint_graceful "gateway closed $c0 -> $c1"
else
	pass procs_sigint_graceful
fi

# kill -9 of a client's supervisor: no orphan, addresses still removed
CL_START=10.98.150.1
write_conf "$T/orphan-cl.yaml" client 20 60s 2 "apilistenport: 12346"
CL_START=""
mkdir -p "$T/rt-orphan" # its own: the gateway's runtime folder is in $RT now
TMPDIR=$T/rt-orphan ip netns exec "$IKS_NS_CL" timeout 90 "$IKESWARM" exec -f "$T/orphan-cl.yaml" -j \
	--lf "$T/orphan-cl.log" >/dev/null 2>"$T/orphan-cl.err" &
ORPID=$!
sleep 2
kill -9 "$(comm_pid "$IKS_NS_CL" ikeswarm-sup)"
wait $ORPID
i=0
while [ $i -lt 40 ] && { [ -n "$(ip netns pids "$IKS_NS_CL")" ] ||
			 [ -n "$(ls -A "$T/rt-orphan")" ]; }; do
	sleep 0.25
	i=$((i + 1))
done
iks_log "orphan check: children and runtime folder gone after $((i / 4)).$((i % 4 * 25)) s"
left=$(for p in $(ip netns pids "$IKS_NS_CL"); do cat /proc/$p/comm 2>/dev/null; done | tr '\n' ' ')
naddr=$(ip -n "$IKS_NS_CL" -4 addr show dev "$IKS_IF_CL" | grep -c 'inet ')
if [ -n "$left" ]; then
	fail procs_no_orphans "left after the supervisor's death: $left"
elif [ "$naddr" -ne 1 ]; then
	fail procs_no_orphans "$naddr IPv4 addresses on the client veth"
elif [ -n "$(ls -A "$T/rt-orphan")" ]; then
	fail procs_no_orphans "runtime files left: $(ls -A "$T/rt-orphan"/*)"
else
	pass procs_no_orphans
fi

# two SIGINTs: the second stops at once
gsup=$(comm_pid "$IKS_NS_GW" ikeswarm-sup)
kill -INT "$gsup"
sleep 0.02
kill -INT "$gsup"
t0=$(date +%s)
wait $GWPID
t1=$(date +%s)
if ! grep -q 'stop.now' "$T/die-gw.log"; then
	fail procs_sigint_twice "no stop.now in the log"
elif [ $((t1 - t0)) -gt 5 ]; then
	fail procs_sigint_twice "took $((t1 - t0)) s"
else
	pass procs_sigint_twice
fi

# nothing left
sleep 0.5
left=$(ip netns pids "$IKS_NS_CL"; ip netns pids "$IKS_NS_GW")
naddr=$(ip -n "$IKS_NS_CL" -4 addr show dev "$IKS_IF_CL" | grep -c 'inet ')
if [ -n "$left" ]; then
	fail procs_clean "processes left: $(for p in $left; do cat /proc/$p/comm; done | tr '\n' ' ')"
elif [ -n "$(ls -A "$RT")" ]; then
	fail procs_clean "runtime files left: $(ls -A "$RT")"
elif [ "$naddr" -ne 1 ]; then
	fail procs_clean "$naddr IPv4 addresses on the client veth"
else
	pass procs_clean
fi
finish
