#!/bin/sh
# `ikeswarm cli events --follow` against a client run (an ikeswarm gateway
# in the other namespace), started before the run's control socket listens:
#  events_follow_live   lines arrive while the tunnels come up (tunnel.up
#                       lines in its output while the client still runs)
#  events_follow_lines  every line it printed is a line of the run's log
#  events_follow_ends   it exits by itself (0, "has gone" on stderr) within
#                       a few seconds of the run's end
#  events_follow_sigint a second follower with --keyword tunnel.up ends on
#                       SIGINT (0), and printed only tunnel.up lines
#  events_shell         in the shell, `events --count 1` prints one line and
#                       the shell goes on to the next command
#  events_follow_usage  --follow with --count is refused (exit 2)
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

ns_pair
T=$(iks_tmp)
mkdir -p "$T/rt"
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4"
cat >"$T/gw.yaml" <<EOF
role: gateway
numberoftunnels: 30
runningtime: 9s
workers: 1
bindifname: $IKS_IF_GW
bindifaddr: $IKS_GW4
ikeconf:
  psk: iks-follow-test
EOF
cat >"$T/cl.yaml" <<EOF
role: client
numberoftunnels: 30
runningtime: 5s
workers: 2
startclntaddr: 10.98.0.1/16
peeraddr: $IKS_GW4
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL4/24
setupinterval: 100ms
tunnelretryinterval: 1s
ikeconf:
  psk: iks-follow-test
EOF

cli() { # cli ARGS...: ikeswarm cli in the client's namespace
	ip netns exec "$IKS_NS_CL" timeout 30 "$IKESWARM" cli "$@"
}

TMPDIR=$T/rt ip netns exec "$IKS_NS_GW" timeout 30 "$IKESWARM" exec -f "$T/gw.yaml" -j \
	--lf "$T/gw.log" >"$T/gw.json" 2>"$T/gw.err" &
GWPID=$!
sleep 0.5
TMPDIR=$T/rt ip netns exec "$IKS_NS_CL" timeout 30 "$IKESWARM" exec -f "$T/cl.yaml" -j \
	--lf "$T/cl.log" >"$T/cl.json" 2>"$T/cl.err" &
CLPID=$!
cli events --follow >"$T/f1.out" 2>"$T/f1.err" &
F1=$!
# not under timeout(1), which leaves SIGINT ignored in a background job: ip
# execs ikeswarm, so F2 is its pid
ip netns exec "$IKS_NS_CL" "$IKESWARM" cli events --follow --keyword tunnel.up \
	>"$T/f2.out" 2>"$T/f2.err" &
F2=$!
sleep 2.5
printf 'events --count 1\nuptime\n' | cli >"$T/shell.out" 2>"$T/shell.err"
live=$(grep -c ' tunnel\.up' "$T/f1.out")
if kill -0 $CLPID 2>/dev/null && [ "$live" -gt 0 ]; then
	pass events_follow_live
else
	fail events_follow_live "$live tunnel.up lines while the client ran ($(kill -0 $CLPID 2>/dev/null && echo running || echo ended))"
fi
# SIGINT once F2 is surely subscribed (it has printed a line): on a loaded
# host its start and subscribe exchange can take seconds.
i=0
while [ ! -s "$T/f2.out" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -INT $F2
i=0
while kill -0 $F2 2>/dev/null && [ $i -lt 80 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "# events_follow_sigint: gone $i tenths of a second after SIGINT"
kill -0 $F2 2>/dev/null && kill -9 $F2
wait $F2
rc=$?
if [ $rc -ne 0 ] || grep -q 'has gone' "$T/f2.err"; then
	fail events_follow_sigint "exit $rc ($i tenths of a second after SIGINT): $(tail -n 1 "$T/f2.err")"
elif [ ! -s "$T/f2.out" ] || grep -v -q ' tunnel\.up' "$T/f2.out"; then
	fail events_follow_sigint "lines: $(sort -u "$T/f2.out" | head -n 3)"
else
	pass events_follow_sigint
fi
if [ "$(sed -n 1p "$T/shell.out" | grep -c -E '^[0-9T:.-]+Z (INFO|VERB|ERROR) w[0-9-]+ t')" -eq 1 ] &&
   sed -n '2,$p' "$T/shell.out" | grep -q '"uptime_s"'; then
	pass events_shell
else
	fail events_shell "output: $(head -c 300 "$T/shell.out") $(head -c 200 "$T/shell.err")"
fi

wait $CLPID
t0=$(date +%s)
i=0
while kill -0 $F1 2>/dev/null && [ $i -lt 60 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 $F1 2>/dev/null; then
	fail events_follow_ends "still running 6 s after the run ended"
	kill -INT $F1
	wait $F1
else
	wait $F1
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q 'has gone' "$T/f1.err"; then
		fail events_follow_ends "exit $rc: $(tail -n 1 "$T/f1.err")"
	else
		pass events_follow_ends
	fi
fi
n=$(wc -l <"$T/f1.out")
missing=$(grep -v -x -F -f "$T/cl.log" "$T/f1.out" | head -n 2)
if [ "$n" -lt 30 ] || [ -n "$missing" ]; then
	fail events_follow_lines "$n lines, not in the log: $missing"
else
	pass events_follow_lines
fi

cli events --follow --count 3 >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && pass events_follow_usage || fail events_follow_usage "exit $rc"
wait $GWPID
finish
