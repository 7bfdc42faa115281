#!/bin/sh
# strongSwan and tshark judge ikeswarm: the CI-sized subset of the interop
# matrix (t/interop/run.sh --ci; the whole matrix is `make interop`).
# Cells: both directions (ikeswarm client -> charon, charon -> ikeswarm
# gateway) x the two main proposals (aes128-sha256-modp2048 and
# aes256gcm16-prfsha256-x25519, 5 tunnels each), IKE + CHILD rekey started
# by either side, DELETE by either side, IPv6 outer addresses, MOBIKE
# COOKIE2 echo and NAT-D both ways (iks-swan/mobike/cookie2, natd,
# swan-iks/mobike/cookie2-echo).  Each cell is captured and judged by tshark
# with our keylog.  About 2 minutes.
exec sh "$(dirname "$0")/../interop/run.sh" --ci "$@"
