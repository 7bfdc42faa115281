#!/bin/sh
# esp-restart.sh — run inside UML (t/kernel/uml.sh): a restarted worker's
# CHILD SAs go into the kernel again.  An ikeswarm gateway and client
# (process model, 1 worker each, installfastpath: true, 3 tunnels of one
# AES-GCM CHILD SA) come up; the client's worker is killed (SIGKILL) and
# the supervisor starts it again; the new worker reuses its reqids, so its
# kernel process must first remove what the dead one left (the worker's
# "purge" request).  Then:
#  - the client's tunnels are up again with 2 states each on both sides
#    (no leftovers, no EEXIST: no child.fastpath.fail in either log),
#  - the client's kernel process said it removed the dead worker's SAs,
#  - a ping through tunnel 0 answers.
# Prints PASS/FAIL/SKIP lines; exits 1 on a failure.

. "$(dirname "$0")/lib.sh"
kt_require esp-restart
CL=esp-rs-cl GW=esp-rs-gw
N=3 O_GW=10.99.0.1
clpid="" gwpid=""
tmpd=$(mktemp -d /tmp/esp-rs.XXXXXX) || exit 1
trap kt_iks_cleanup EXIT
fail() { echo "FAIL $1: $2"; exit 1; }

kt_pair_links && kt_lo_addrs $CL 10.20.1.1 10.20.1.2 10.20.1.3 &&
	kt_lo_addrs $GW 10.20.2.1 || fail esp-restart "namespace setup"

cat > "$tmpd/cl.yaml" <<EOC
$(kt_yaml_head client $N 1 0)
workers: 1
setupinterval: 100ms
tunnelretryinterval: 1s
loglevel: 4
$(kt_yaml_ike esp-restart)
  dhgrpid: [31]
  retraninterval: 1s
  childlist:
$(kt_child aes-gcm-16:128 1h 10.20.1.1 10.20.1.1 10.20.2.0 10.20.2.255)
EOC
cat > "$tmpd/gw.yaml" <<EOC
$(kt_yaml_head gateway $N 0 0)
workers: 1
loglevel: 3
$(kt_yaml_ike esp-restart)
  dhgrpid: [31]
  childlist:
$(kt_child aes-gcm-16:128 1h 10.20.2.0 10.20.2.255 10.20.1.0 10.20.1.255)
EOC
kt_start_pair
show() { kt_show 4 'fastpath\|worker\.' 8; }
kt_wait_up $((2 * N)) 120 $N || { show; fail esp-restart "first start: states client $c, gateway $g of $((2 * N)), $u up"; }

# The client's worker: the process in its namespace whose command line
# says __worker.
kt_worker_pid
[ -n "$wpid" ] || fail esp-restart "no worker process found in $CL"
kill -9 "$wpid"
# its tunnels come back: N more tunnel.up lines, N CHILD SAs each side
# (the gateway replaces the old IKE SAs on INITIAL_CONTACT)
kt_wait_up $((2 * N)) 120 $((2 * N)) || { show; fail esp-restart "after the restart: states client $c, gateway $g of $((2 * N)), $u tunnel.up of $((2 * N))"; }
grep -q 'worker.restarted' "$tmpd/cl.log" || { show; fail esp-restart "no worker.restarted in the client's log"; }
kt_fpfail
[ -z "$fpf" ] || fail esp-restart "$fpf"
kt_ping 10.20.1.1 10.20.2.1 ||
	fail esp-restart "no ping answer through tunnel 0 after the restart"
kill -INT $clpid
i=0
while kill -0 $clpid 2>/dev/null && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
clpid=""
purged=$(grep -h 'removed the [0-9]* CHILD SAs its last run left' "$tmpd/cl.out")
[ -n "$purged" ] || { show; fail esp-restart "the client's kernel process did not remove the dead worker's SAs"; }
echo "PASS esp-restart: worker killed and restarted, its $N tunnels' CHILD SAs in the kernel again without EEXIST (${purged#ikeswarm-kernel: })"
