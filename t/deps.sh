#!/bin/sh
# Install every Debian package the build, the tests and the lab need.
# Run as root on Debian 12; idempotent.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libssl-dev openssl libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libnng-dev nng-utils
libjansson-dev libyaml-dev check libsubunit-dev mandoc
iproute2 iputils-ping nftables tcpdump tshark kmod procps python3
strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins
user-mode-linux iptables"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
