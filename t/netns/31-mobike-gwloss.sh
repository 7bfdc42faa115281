#!/bin/sh
# MOBIKE address lists after IKE_AUTH and refusals (RFC 4555 3.5, 3.6),
# ikeswarm client <-> ikeswarm gateway in two namespaces on a veth pair.
#  mobike_gw_loss      scenario 15: the gateway's address in use
#                      (10.99.0.1) is deleted under 20 tunnels; the gateway
#                      sends every tunnel its new list from 10.99.0.2, each
#                      client tunnel moves there at once and the gateway
#                      takes the update; the address coming back is one
#                      more list, no move.  No timed moves (1 h).
#  mobike_own_list     a client tunnel's own address in use deleted: the
#                      tunnel moves and its update carries its new list; the
#                      address back: a list of its own; the gateway's
#                      peer list follows both.
#  mobike_family      IPv4 <-> IPv6 (mobikealtclntaddr, mobikealtgwaddr):
#                      peer-only over the gateway's 10.99.0.1, .2,
#                      fd00:99::11, ::12 every 2 s: each tunnel goes
#                      v4 -> v6 -> v4, its own address following the
#                      family, and both sides' logs agree move by move;
#                      mid-run, while on IPv6, both sides' `cli list`
#                      show the same pairs and `cli dump` the lists of
#                      both families (not with --single: no control
#                      socket).
#  mobike_family_loss  a dual-stack gateway with one IPv4 address loses it:
#                      it sends its list over IPv6 to each client's IPv6
#                      address and every tunnel moves to IPv6.
#  mobike_unacceptable the gateway refuses moves into 10.98.0.4/30
#                      (mobikeunacceptableaddr) with UNACCEPTABLE_ADDRESSES:
#                      the client retries, falls back to the old pair, and
#                      the gateway never moved a tunnel there.
# MOBIKE_EXEC_ARGS=--single runs both sides as one process each.
. "$(dirname "$0")/lib.sh"
need_root
need_cmd ip timeout awk sort
IKESWARM=${IKESWARM:-$(cd "$(dirname "$0")/../.." && pwd)/ikeswarm}
[ -x "$IKESWARM" ] || skip "no ikeswarm binary at $IKESWARM (make)"

IKS_CL4=10.99.0.100
IKS_CL6=fd00:99::200
ns_pair
T=$(iks_tmp)
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4" dev "$IKS_IF_GW"
mac_gw=$(ip -n "$IKS_NS_GW" link show "$IKS_IF_GW" | awk '/link\/ether/ { print $2 }')
mac_cl=$(ip -n "$IKS_NS_CL" link show "$IKS_IF_CL" | awk '/link\/ether/ { print $2 }')
ip -n "$IKS_NS_GW" neigh replace "$IKS_CL4" lladdr "$mac_cl" dev "$IKS_IF_GW" nud permanent
for a in 10.99.0.1 10.99.0.2 10.99.0.3 fd00:99::11 fd00:99::12; do
	ip -n "$IKS_NS_CL" neigh replace "$a" lladdr "$mac_gw" dev "$IKS_IF_CL" nud permanent
done
EXEC_ARGS=${MOBIKE_EXEC_ARGS:-}

jnum() {
	grep -o "\"$2\":[0-9.]*" "$1" | head -n 1 | cut -d: -f2
}
jstr() {
	grep -o "\"$2\":\"[a-z]*\"" "$1" | head -n 1 | cut -d'"' -f4
}

# write_pair NAME N CHANGE LIFE GWADDRS [GW_EXTRA_LINE]
write_pair() {
	cat >"$T/$1-cl.yaml" <<EOF
role: client
numberoftunnels: $2
runningtime: 9s
startclntaddr: 10.98.0.1/16
peeraddr: $IKS_GW4
bindifname: $IKS_IF_CL
bindifaddr: $IKS_CL4/24
setupinterval: 5ms
tunnelretryinterval: 1s
tunnelmaxretry: 3
mobike: true
mobikeaddrpertunnel: 2
mobikeiplifetime: $4
mobikechangeaddrtype: $3
ikeconf:
  psk: iks-mobike-test
  retraninterval: 1s
EOF
	cat >"$T/$1-gw.yaml" <<EOF
role: gateway
numberoftunnels: $2
runningtime: 12s
bindifname: $IKS_IF_GW
bindifaddr: $IKS_GW4/24
mobike: true
mobikeaddrpergw: $5
${6:-}
ikeconf:
  psk: iks-mobike-test
  retraninterval: 1s
EOF
}

run_pair() {
	ip netns exec "$IKS_NS_GW" timeout 60 "$IKESWARM" exec $EXEC_ARGS -f "$T/$1-gw.yaml" -j \
		--lf "$T/$1-gw.log" >"$T/$1-gw.json" 2>"$T/$1-gw.err" &
	gwpid=$!
	sleep 0.3
	ip netns exec "$IKS_NS_CL" timeout 60 "$IKESWARM" exec $EXEC_ARGS -f "$T/$1-cl.yaml" -j \
		--lf "$T/$1-cl.log" >"$T/$1-cl.json" 2>"$T/$1-cl.err"
	CL_RC=$?
	wait $gwpid
	GW_RC=$?
}

# Both sides passed, every tunnel made exactly one IKE SA.
both_up() {
	local side why
	why=""
	for side in cl gw; do
		[ "$(jstr "$T/$1-$side.json" result)" = pass ] &&
			[ "$(jnum "$T/$1-$side.json" created)" = "$2" ] ||
			why="$why $side: $(cat "$T/$1-$side.json" "$T/$1-$side.err" | tail -n 2)"
	done
	[ "$CL_RC" = 0 ] && [ "$GW_RC" = 0 ] || why="$why exit codes cl=$CL_RC gw=$GW_RC"
	[ "$(jnum "$T/$1-cl.json" total)" = "$2" ] ||
		why="$why client made $(jnum "$T/$1-cl.json" total) IKE SAs for $2 tunnels"
	printf '%s' "$why"
}

# Last "own peer" of every tunnel as the client saw it acknowledged and as
# the gateway took it (written the client's way), sorted.
last_pairs() {
	awk -v gw="$2" '/ mobike.update.ok / { k = gw ? $5 : $4; own = ""; peer = "";
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^own=/) own = substr($i, 5);
			if ($i ~ /^peer=/) peer = substr($i, 6);
		}
		last[k] = gw ? peer " " own : own " " peer }
		END { for (k in last) print last[k] }' "$1" | sort
}

# ---- scenario 15: the gateway loses its address in use ----------------------
N=20
write_pair gwloss $N own-only 1h 3
( sleep 3; ip -n "$IKS_NS_GW" addr del "$IKS_GW4/24" dev "$IKS_IF_GW"
  sleep 3; ip -n "$IKS_NS_GW" addr add "$IKS_GW4/24" dev "$IKS_IF_GW" ) &
delpid=$!
run_pair gwloss
wait $delpid
why=$(both_up gwloss $N)
for v in peer_gone updates_ok; do
	[ "$(jnum "$T/gwloss-cl.json" $v)" = $N ] ||
		why="$why client $v=$(jnum "$T/gwloss-cl.json" $v)"
done
[ "$(jnum "$T/gwloss-gw.json" updates_ok)" = $N ] ||
	why="$why gateway updates_ok=$(jnum "$T/gwloss-gw.json" updates_ok)"
# Lost, then back: two lists per tunnel.
[ "$(jnum "$T/gwloss-gw.json" lists_sent)" = $((N * 2)) ] ||
	why="$why gateway lists_sent=$(jnum "$T/gwloss-gw.json" lists_sent)"
for side in cl gw; do
	[ "$(jnum "$T/gwloss-$side.json" updates_failed)" = 0 ] ||
		why="$why $side updates_failed=$(jnum "$T/gwloss-$side.json" updates_failed)"
done
moved=$(grep ' mobike.move .*peer=10.99.0.2 why=peer-address-gone' "$T/gwloss-cl.log" |
	awk '{ print $4 }' | sort -u | wc -l)
[ "$moved" = $N ] || why="$why $moved tunnels moved to 10.99.0.2"
grep -q ' mobike.addr.deleted own=10.99.0.1 ' "$T/gwloss-gw.log" &&
	grep -q ' mobike.addr.added own=10.99.0.1 ' "$T/gwloss-gw.log" ||
	why="$why the gateway did not log its address leaving and coming back"
last_pairs "$T/gwloss-cl.log" 0 >"$T/gwloss-cl.pairs"
last_pairs "$T/gwloss-gw.log" 1 >"$T/gwloss-gw.pairs"
[ "$(grep -c ' 10.99.0.2$' "$T/gwloss-cl.pairs")" = $N ] &&
	cmp -s "$T/gwloss-cl.pairs" "$T/gwloss-gw.pairs" ||
	why="$why last addresses differ or are not 10.99.0.2"
[ -z "$why" ] && pass mobike_gw_loss || fail mobike_gw_loss "$why"

# ---- a client's own address set changes ---------------------------------------
# Tunnel 3 owns 10.98.0.7 and .8 and starts on .7; moves are hourly.
write_pair ownlist 10 own-only 1h 2
( sleep 3; ip -n "$IKS_NS_CL" addr del 10.98.0.7/16 dev "$IKS_IF_CL"
  sleep 2; ip -n "$IKS_NS_CL" addr add 10.98.0.7/16 dev "$IKS_IF_CL" ) &
delpid=$!
run_pair ownlist
wait $delpid
why=$(both_up ownlist 10)
[ "$(jnum "$T/ownlist-cl.json" lists_sent)" = 2 ] ||
	why="$why client lists_sent=$(jnum "$T/ownlist-cl.json" lists_sent)"
[ "$(jnum "$T/ownlist-cl.json" updates_sent)" = 1 ] ||
	why="$why client updates_sent=$(jnum "$T/ownlist-cl.json" updates_sent)"
grep -q ' t3 .* mobike.update.ok .* own=10.98.0.8 ' "$T/ownlist-cl.log" ||
	why="$why tunnel 3 did not move to 10.98.0.8"
# The gateway's list for that peer: .8 alone (with the update), then both.
grep -q ' mobike.peerlist old=10.98.0.7,10.98.0.8 new=10.98.0.8$' "$T/ownlist-gw.log" &&
	grep -q ' mobike.peerlist old=10.98.0.8 new=10.98.0.8,10.98.0.7$' "$T/ownlist-gw.log" ||
	why="$why gateway peer lists: $(grep ' mobike.peerlist old=10.98.0.7,' "$T/ownlist-gw.log" |
		tail -n 2 | cut -d' ' -f6- | tr '\n' ' ')"
[ -z "$why" ] && pass mobike_own_list || fail mobike_own_list "$why"

# ---- IPv4 <-> IPv6 ----------------------------------------------------------
# The client's IPv6 addresses share the gateway's /64 (on-link both ways):
# tunnel i owns fd00:99::100 + 2i and + 2i + 1.
N=10
write_pair family $N peer-only 2s 2 "mobikealtgwaddr: fd00:99::11/64"
sed -i "s|^startclntaddr: .*|&\nmobikealtclntaddr: fd00:99::100/64|" "$T/family-cl.yaml"
i=0
while [ $i -lt $((N * 2)) ]; do
	ip -n "$IKS_NS_GW" neigh replace "fd00:99::$(printf %x $((256 + i)))" lladdr "$mac_cl" \
		dev "$IKS_IF_GW" nud permanent
	i=$((i + 1))
done
# cli NS OUT ARGS...: one control request to that side's supervisor.
cli() {
	local ns out
	ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$IKESWARM" cli --svr tcp://127.0.0.1:12330 --timeout 5 "$@" \
		>"$T/$out" 2>"$T/$out.err"
}
# Moves at about 2, 4, 6 and 8 s: between 4 and 6 s every tunnel is on
# fd00:99::11; poll the client until it is, then ask both sides.
if [ -z "$EXEC_ARGS" ]; then
	( sleep 3; i=0
	  while [ $i -lt 20 ]; do
		cli "$IKS_NS_CL" family-cl.list list 0 1000
		[ "$(grep -o '"peer":"fd00:99::11"' "$T/family-cl.list" | wc -l)" = $N ] && break
		sleep 0.2; i=$((i + 1))
	  done
	  cli "$IKS_NS_GW" family-gw.list list 0 1000
	  spi=$(grep -o '"spi":"[0-9a-f]*"' "$T/family-cl.list" | head -n 1 | cut -d'"' -f4)
	  cli "$IKS_NS_CL" family-cl.dump dump "$spi" ) &
	clipid=$!
fi
run_pair family
[ -z "$EXEC_ARGS" ] && wait $clipid
why=$(both_up family $N)
if [ -z "$EXEC_ARGS" ]; then
	out=$(python3 - "$T/family-cl.list" "$T/family-gw.list" "$T/family-cl.dump" <<'PY' 2>&1
import json, sys
cl = json.load(open(sys.argv[1]))['ike_sas']
gw = json.load(open(sys.argv[2]))['ike_sas']
a = sorted((s['local'], s['peer']) for s in cl if s['state'] == 'established')
b = sorted((s['peer'], s['local']) for s in gw if s['state'] == 'established')
if len(a) != 10 or a != b:
    sys.exit('lists differ: client %r gateway %r' % (a[:2], b[:2]))
if any(p != 'fd00:99::11' or ':' not in o for o, p in a):
    sys.exit('not all on IPv6: %r' % a[:3])
m = json.load(open(sys.argv[3]))['ike_sa']['mobike']
fams = lambda l: sorted(set(':' in x for x in l))
if fams(m['own_list']) != [False, True] or fams(m['peer_list']) != [False, True]:
    sys.exit('dump lists: %r %r' % (m['own_list'], m['peer_list']))
PY
)
	[ $? -eq 0 ] || why="$why control: $out $(cat "$T"/family-*.err 2>/dev/null | head -c 200)"
fi
for side in cl gw; do
	[ "$(jnum "$T/family-$side.json" updates_failed)" = 0 ] ||
		why="$why $side updates_failed=$(jnum "$T/family-$side.json" updates_failed)"
done
# Each tunnel's first four acknowledged moves, as "own>peer" steps; the
# gateway's seen its way round (by IKE SA, the client's own is its peer).
awk '/ mobike.update.ok / { own = ""; peer = "";
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^own=/) own = substr($i, 5);
		if ($i ~ /^peer=/) peer = substr($i, 6);
	}
	if (n[$4]++ < 4) seq[$4] = seq[$4] " " own ">" peer }
	END { for (t in seq) print seq[t] }' "$T/family-cl.log" | sort >"$T/family-cl.seq"
awk '/ mobike.update.ok / { own = ""; peer = "";
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^own=/) own = substr($i, 5);
		if ($i ~ /^peer=/) peer = substr($i, 6);
	}
	if (n[$5]++ < 4) seq[$5] = seq[$5] " " peer ">" own }
	END { for (t in seq) print seq[t] }' "$T/family-gw.log" | sort >"$T/family-gw.seq"
# v4 -> v6 -> v6 -> v4 in peer-only: .2, fd00:99::11, ::12, .1.
good=$(grep -c '^ 10\.98\.[0-9.]*>10\.99\.0\.2 fd00:99::1[0-9a-f][0-9a-f]>fd00:99::11 fd00:99::1[0-9a-f][0-9a-f]>fd00:99::12 10\.98\.[0-9.]*>10\.99\.0\.1$' \
	"$T/family-cl.seq")
[ "$good" = $N ] || why="$why $good of $N tunnels went v4 -> v6 -> v4 ($(head -n 1 "$T/family-cl.seq"))"
cmp -s "$T/family-cl.seq" "$T/family-gw.seq" ||
	why="$why the two sides' moves differ ($(diff "$T/family-cl.seq" "$T/family-gw.seq" |
		sed -n 2p))"
last_pairs "$T/family-cl.log" 0 >"$T/family-cl.pairs"
last_pairs "$T/family-gw.log" 1 >"$T/family-gw.pairs"
cmp -s "$T/family-cl.pairs" "$T/family-gw.pairs" || why="$why last addresses differ"
[ -z "$why" ] && pass mobike_family || fail mobike_family "$why"

# ---- a dual-stack gateway loses its only IPv4 address ------------------------
write_pair famloss $N own-only 1h 1 "mobikealtgwaddr: fd00:99::11/64"
sed -i "s|^startclntaddr: .*|&\nmobikealtclntaddr: fd00:99::100/64|" "$T/famloss-cl.yaml"
( sleep 3; ip -n "$IKS_NS_GW" addr del "$IKS_GW4/24" dev "$IKS_IF_GW" ) &
delpid=$!
run_pair famloss
wait $delpid
ip -n "$IKS_NS_GW" addr add "$IKS_GW4/24" dev "$IKS_IF_GW"
ip -n "$IKS_NS_GW" route add 10.98.0.0/16 via "$IKS_CL4" dev "$IKS_IF_GW"
why=$(both_up famloss $N)
for side in cl gw; do
	[ "$(jnum "$T/famloss-$side.json" updates_ok)" = $N ] ||
		why="$why $side updates_ok=$(jnum "$T/famloss-$side.json" updates_ok)"
done
moved=$(grep ' mobike.move .*own=fd00:99::1[0-9a-f][0-9a-f] peer=fd00:99::11 why=peer-address-gone' \
	"$T/famloss-cl.log" | awk '{ print $4 }' | sort -u | wc -l)
[ "$moved" = $N ] || why="$why $moved of $N tunnels moved to IPv6"
last_pairs "$T/famloss-cl.log" 0 >"$T/famloss-cl.pairs"
last_pairs "$T/famloss-gw.log" 1 >"$T/famloss-gw.pairs"
cmp -s "$T/famloss-cl.pairs" "$T/famloss-gw.pairs" || why="$why last addresses differ"
[ -z "$why" ] && pass mobike_family_loss || fail mobike_family_loss "$why"

# ---- UNACCEPTABLE_ADDRESSES from the gateway --------------------------------
# Tunnels 1..3 own 10.98.0.3/.4, .5/.6, .7/.8: each has one address in the
# refused 10.98.0.4/30 it is not started on (.5 and .7 are start addresses:
# IKE_SA_INIT is no move).  Moves every 2 s.
write_pair unacc 10 own-only 2s 2 "mobikeunacceptableaddr: 10.98.0.4/30"
run_pair unacc
why=$(both_up unacc 10)
fb=$(grep -c ' mobike.fallback ' "$T/unacc-cl.log")
refused=$(jnum "$T/unacc-gw.json" refused)
[ "$fb" -ge 3 ] || why="$why only $fb fallbacks"
# Each fallback follows 3 refusals (a run may stop between two).
[ "${refused:-0}" -ge $((fb * 3)) ] && [ "${refused:-0}" -le $((fb * 3 + 6)) ] ||
	why="$why gateway refused $refused for $fb fallbacks"
[ "$(jnum "$T/unacc-cl.json" updates_failed)" = "$fb" ] ||
	why="$why client updates_failed=$(jnum "$T/unacc-cl.json" updates_failed) fallbacks=$fb"
bad=$(grep ' mobike.update.failed reason=UNACCEPTABLE_ADDRESSES' "$T/unacc-gw.log" |
	grep -vc ' peer=10\.98\.0\.[4-7]$')
took=$(grep ' mobike.update.ok ' "$T/unacc-gw.log" | grep -c ' peer=10\.98\.0\.[4-7] ')
[ "$bad" = 0 ] && [ "$took" = 0 ] || why="$why refused $bad outside the prefix, took $took inside"
who=$(grep ' mobike.fallback ' "$T/unacc-cl.log" | awk '{ print $4 }' | sort -u | tr '\n' ' ')
[ "$who" = "t1 t2 t3 " ] || why="$why fallbacks by $who"
[ "$(jnum "$T/unacc-cl.json" updates_ok)" -ge 20 ] ||
	why="$why only $(jnum "$T/unacc-cl.json" updates_ok) updates elsewhere"
[ -z "$why" ] && pass mobike_unacceptable || fail mobike_unacceptable "$why"

finish
