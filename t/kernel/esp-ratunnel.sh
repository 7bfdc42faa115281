#!/bin/sh
# esp-ratunnel.sh — run inside UML (t/kernel/uml.sh): remote-access tunnels
# through the kernel fastpath.  An ikeswarm gateway with an address pool
# (poolconf 10.200.0.1/24) and an ikeswarm client with `ratunnel: true`,
# both `installfastpath: true` in the process model (1 worker each: the
# client's virtual addresses go through its kernel process), 2 tunnels:
#  - up: each tunnel's virtual address (its ra.vip log line) is on the
#    client's `virtualipif` (lo) as a /32, distinct, from the pool; a
#    ping from each to the gateway's inner address answers through its
#    CHILD SA (table 330 route with the virtual address as source);
#  - restart: the client's worker is killed; restarted, its purge removes
#    the dead worker's addresses: lo holds just the new ones, ping answers;
#  - deleted: SIGINT to the gateway first; its DELETEs end the client's
#    IKE SAs, and their addresses leave lo while the client runs on;
#  - stop: after SIGINT to the client no 10.200.0.x address is left on
#    lo, and no state, policy or table-330 route on either side.
# ESP_RA_MODE=--single runs the client in one process (direct backend; seen
# passing by hand, not in the suite: CI time).
# Prints PASS/FAIL/SKIP lines; exits 1 on a failure.

. "$(dirname "$0")/lib.sh"
kt_require esp-ratunnel
CL=esp-ra-cl GW=esp-ra-gw
# ESP_RA_MODE=--single: the client without its kernel process (the
# virtual addresses through the direct backend); default the process model
MODE=${ESP_RA_MODE:-}
N=2 O_GW=10.99.0.1 I_GW=10.30.2.1
clpid="" gwpid=""
failed=0
tmpd=$(mktemp -d /tmp/esp-ra.XXXXXX) || exit 1
trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; failed=1; }

kt_pair_links && kt_lo_addrs $GW $I_GW || { fail esp-ratunnel "namespace setup"; exit 1; }

cat > "$tmpd/cl.yaml" <<EOC
$(kt_yaml_head client $N)
workers: 1
setupinterval: 100ms
loglevel: 3
$(kt_yaml_ike esp-ratunnel)
  ratunnel: true
  virtualipif: lo
  dhgrpid: [31]
  childlist:
$(kt_child aes-gcm-16:128 1h 0.0.0.0 255.255.255.255 10.30.2.0 10.30.2.255)
EOC
cat > "$tmpd/gw.yaml" <<EOC
$(kt_yaml_head gateway $N)
workers: 1
loglevel: 3
poolconf:
  v4startaddr: 10.200.0.1/24
$(kt_yaml_ike esp-ratunnel)
  dhgrpid: [31]
  childlist:
$(kt_child aes-gcm-16:128 1h 10.30.2.0 10.30.2.255 10.200.0.0 10.200.0.255)
EOC

kt_start_pair "" "" "$MODE"
want=$((N * 2))
kt_wait_up $want 60
vips=$(sed -n 's/.* ra\.vip vip=\([0-9.]*\).*/\1/p' "$tmpd/cl.log" 2>/dev/null | sort -u)
onlo=$(ip -n $CL -4 addr show dev lo | sed -n 's/.*inet \(10\.200\.0\.[0-9]*\)\/32 .*/\1/p' | sort)
if [ "$c" -lt $want ] || [ "$g" -lt $want ]; then
	fail esp-ratunnel-up "states: client $c, gateway $g of $want"
	kt_show 4 'fastpath\|fail\|ra\.' 10
	exit 1
elif [ "$(echo "$vips" | grep -c '^10\.200\.0\.')" -ne $N ] || [ "$vips" != "$onlo" ]; then
	fail esp-ratunnel-up "virtual addresses '$(echo $vips)', on lo '$(echo $onlo)'"
	grep -h 'fastpath' "$tmpd/cl.log" | head -n 3 | sed 's/^/  /'
else
	bad=""
	for v in $vips; do
		kt_ping "$v" $I_GW || bad="$bad $v"
	done
	src=$(ip -n $CL route show table 330 | grep -o 'src 10\.200\.0\.[0-9]*' | head -n 1)
	if [ -n "$bad" ]; then
		fail esp-ratunnel-up "no answer from $I_GW to:$bad"
		ip -n $CL route show table 330 | head -n 3 | sed 's/^/  330: /'
		ip -n $CL xfrm policy | grep -m 4 '^src' | sed 's/^/  policy: /'
	elif [ -z "$src" ]; then
		fail esp-ratunnel-up "no table 330 route with a virtual address as source"
	else
		echo "PASS esp-ratunnel-up: $N tunnels, virtual addresses $(echo $vips) on lo" \
			"(table 330 $src), ping answered from each"
	fi
fi

# The client's worker is killed; the supervisor starts it again, and its
# kernel process (the new worker's purge) removes the dead one's virtual
# addresses: lo holds exactly the addresses of the new IKE SAs.
kt_worker_pid
if [ -z "$wpid" ]; then
	fail esp-ratunnel-restart "no worker process found in $CL"
else
	kill -9 "$wpid"
	i=0
	while [ $i -lt 40 ]; do
		[ "$(grep -c ' ra\.vip ' "$tmpd/cl.log")" -ge $((2 * N)) ] && break
		sleep 0.5; i=$((i + 1))
	done
	sleep 0.5 # the new worker's last addr.add is on its way
	new=$(grep ' ra\.vip ' "$tmpd/cl.log" | tail -n $N |
		sed -n 's/.* ra\.vip vip=\([0-9.]*\).*/\1/p' | sort -u)
	onlo=$(ip -n $CL -4 addr show dev lo |
		sed -n 's/.*inet \(10\.200\.0\.[0-9]*\)\/32 .*/\1/p' | sort)
	purged=$(grep -h 'virtual addresses its last run left' "$tmpd/cl.out")
	v=$(echo "$new" | head -n 1)
	kt_ping "$v" $I_GW # judged below, from $tmpd/ping
	if [ "$(echo "$new" | grep -c .)" -ne $N ] || [ "$new" != "$onlo" ]; then
		fail esp-ratunnel-restart "new virtual addresses '$(echo $new)', on lo '$(echo $onlo)'"
	elif [ -z "$purged" ]; then
		fail esp-ratunnel-restart "the kernel process did not purge the dead worker's addresses"
	elif ! grep -q ' [1-9][0-9]* received' "$tmpd/ping"; then
		fail esp-ratunnel-restart "no answer from $I_GW to $v after the restart"
	else
		echo "PASS esp-ratunnel-restart: worker killed and restarted, lo holds just the new" \
			"virtual addresses $(echo $new) (${purged#ikeswarm-kernel: }), ping answered"
	fi
fi

# The gateway stops first: its DELETEs end the client's IKE SAs, whose
# virtual addresses must leave lo while the client still runs.
kill -INT $gwpid
i=0
while kill -0 $gwpid 2>/dev/null && [ $i -lt 40 ]; do sleep 0.5; i=$((i + 1)); done
j=0
while [ $j -lt 10 ]; do
	a=$(ip -n $CL -4 addr show dev lo | grep -c 'inet 10\.200\.')
	[ "$a" -eq 0 ] && break
	sleep 0.3; j=$((j + 1))
done
if ! kill -0 $clpid 2>/dev/null; then
	fail esp-ratunnel-deleted "the client exited when the gateway stopped"
elif [ "$a" -ne 0 ]; then
	fail esp-ratunnel-deleted "$a virtual addresses still on lo after the gateway's DELETEs"
else
	echo "PASS esp-ratunnel-deleted: the peer's DELETEs took the virtual addresses off lo" \
		"(client still running)"
fi
kill -INT $clpid
while kill -0 $clpid 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
if kill -0 $clpid 2>/dev/null || kill -0 $gwpid 2>/dev/null; then
	fail esp-ratunnel-stop "still running 30 s after SIGINT"
else
	clpid="" gwpid=""
	kt_left states policies routes
	a=$(ip -n $CL -4 addr show dev lo | grep -c 'inet 10\.200\.')
	[ "$a" -eq 0 ] || left="$left $a virtual addresses on lo"
	if kt_stop_clean esp-ratunnel-stop; then
		echo "PASS esp-ratunnel-stop: no virtual address, state, policy or route left"
	fi
fi
exit $failed
