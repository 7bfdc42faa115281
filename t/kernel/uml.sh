#!/bin/sh
# uml.sh — run one script inside Debian's user-mode Linux kernel (a whole
# Linux 6.1 run as a process, with ESP/XFRM/veth/netns as modules), because
# the host kernel has XFRM but no ESP.
#
#   t/kernel/uml.sh [-t SECONDS] SCRIPT [ARGS...]
#
# SCRIPT runs as `sh SCRIPT ARGS` under a generated init, as root, in the
# UML kernel's root network namespace, with cwd = the caller's cwd.  The
# host's root file system is the UML root, read-only; /tmp, /var/tmp and
# every folder in UML_RW (space separated) are writable in-memory layers
# over the host's content (overlayfs: the host files stay visible, writes
# vanish at halt); /run is a fresh tmpfs.  Modules autoload through a private modules tree.
# Its output (stdout+stderr) is printed on the host after the kernel halts
# and the script's exit status is uml.sh's exit status.
#
# Environment: UML_TIMEOUT (seconds for the script, default 60; -t too),
# UML_MEM (default 384M), UML_RW (more writable folders), UML_ENV (names
# of variables to export inside: the environment does not cross the
# kernel), UML_KERNEL (default /usr/bin/linux.uml), UML_APPEND (more
# kernel arguments), UML_VERBOSE=1 (print the kernel console too),
# UML_KEEP_OUT=dir (copy what the script wrote into $UML_OUT to dir).
# Exit: the script's status; 124 when it timed out; 77 after "SKIP uml: why"
# when UML cannot run here; 125 when the harness itself failed.
# t/kernel/README.md has the details.

skip() { echo "SKIP uml: $*"; exit 77; }
die() { echo "uml.sh: $*" >&2; exit 125; }

timeout_s=${UML_TIMEOUT:-60}
if [ "$1" = "-t" ]; then timeout_s=$2; shift 2; fi
[ $# -ge 1 ] || die "usage: uml.sh [-t SECONDS] SCRIPT [ARGS...]"
case "$timeout_s" in ''|*[!0-9]*) die "bad timeout '$timeout_s'" ;; esac

kernel=${UML_KERNEL:-/usr/bin/linux.uml}
[ "$(id -u)" = 0 ] || skip "needs root (host files read as root, netns inside)"
[ -x "$kernel" ] || skip "no $kernel (Debian package user-mode-linux)"
command -v depmod >/dev/null 2>&1 || skip "no depmod (Debian package kmod)"
command -v timeout >/dev/null 2>&1 || skip "no timeout (coreutils)"
# The modules tree matching the kernel (`linux.uml --version` prints it).
kver=$(timeout 10 "$kernel" --version 2>/dev/null | head -n 1)
[ -n "$kver" ] && [ -d "/usr/lib/uml/modules/$kver/kernel" ] ||
	skip "no /usr/lib/uml/modules/$kver for $kernel (Debian package user-mode-linux)"

# UML's memory is a file in TMPDIR, mapped executable: /dev/shm when it
# has room and is not noexec (containers often give 64 MB, noexec), else
# a folder under /tmp (disk backed, slower to warm up).
mem=${UML_MEM:-384M}
mem_kb=$(echo "$mem" | awk '/[0-9]+[Mm]$/ { print $0 * 1024; next }
	/[0-9]+[Gg]$/ { print $0 * 1048576; next } { print int($0 / 1024) }')
memdir=""
for d in /dev/shm /tmp; do
	[ -d "$d" ] && [ -w "$d" ] || continue
	awk -v d="$d" '$2 == d && $4 ~ /(^|,)noexec(,|$)/ { f = 1 } END { exit !f }' \
		/proc/mounts && continue
	avail=$(df -Pk "$d" 2>/dev/null | awk 'NR == 2 { print $4 }')
	[ "${avail:-0}" -gt $((mem_kb + 65536)) ] || continue
	memdir=$d; break
done
[ -n "$memdir" ] || skip "no exec-mountable /dev/shm or /tmp with $mem free (UML's memory file)"

script=$1; shift
[ -f "$script" ] || die "no script '$script'"
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")

tmp=$(mktemp -d /tmp/uml.XXXXXX) || die "mktemp failed"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# A private modules tree that modprobe -d understands: lib/modules/<v>
# with the package's kernel/ linked in and our own depmod indexes, so the
# package's files are never written.
mods=$tmp/mods/lib/modules/$kver
mkdir -p "$mods" "$tmp/out" "$tmp/uml"
ln -s "/usr/lib/uml/modules/$kver/kernel" "$mods/kernel"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	[ -f "/usr/lib/uml/modules/$kver/$f" ] && cp "/usr/lib/uml/modules/$kver/$f" "$mods/"
done
depmod -b "$tmp/mods" "$kver" || die "depmod -b $tmp/mods $kver failed"

printf '#!/bin/sh\nexec /sbin/modprobe -d /run/uml-host/mods "$@"\n' > "$tmp/modprobe"
chmod +x "$tmp/modprobe"

# Arguments go into the init as one quoted line (no kernel command line
# parsing in between).
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
args=""
for a in "$@"; do args="$args $(q "$a")"; done
# The environment does not cross into the UML kernel: the variables named
# in UML_ENV are exported again inside.
envs=""
for v in $UML_ENV; do
	case "$v" in ''|[0-9]*|*[!A-Za-z0-9_]*) die "bad name '$v' in UML_ENV" ;; esac
	eval "val=\${$v-}"
	eval "set=\${$v+x}"
	[ -n "$set" ] && envs="$envs export $v=$(q "$val");"
done

# The init.  Everything it needs from $tmp is reached through a hostfs
# mount at /run/uml-host, because $tmp is under /tmp, which gets its own
# writable layer.
cat > "$tmp/init" <<EOF
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs -o mode=755 run /run
mkdir -p /run/uml-host /run/uml-out /run/netns
mount -t hostfs -o $tmp hostfs /run/uml-host
mount -t hostfs -o $tmp/out hostfs /run/uml-out
h=/run/uml-host
date +%s.%N > /run/uml-out/t-init
echo \$h/modprobe > /proc/sys/kernel/modprobe
exec > /run/uml-out/log 2>&1
# A writable layer over each folder; plain tmpfs if overlayfs is missing.
n=0
for d in /tmp /var/tmp $UML_RW; do
	[ -d "\$d" ] || continue
	n=\$((n + 1)); l=/run/uml-layer/\$n
	mkdir -p \$l
	mount -t tmpfs layer \$l && mkdir -p \$l/u \$l/w &&
	mount -t overlay -o lowerdir=\$d,upperdir=\$l/u,workdir=\$l/w ovl "\$d" ||
	{ echo "uml.sh: no overlay over \$d, plain tmpfs"; mount -t tmpfs tmp "\$d"; }
done
# Host paths under those layers stay visible: the overlays' lower is the
# host folder.  /run is the exception: a plain tmpfs.
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs shm /dev/shm 2>/dev/null
ip link set lo up
export UML_OUT=/run/uml-out/files
$envs
mkdir -p \$UML_OUT
cd $(q "$PWD") 2>/dev/null || cd /
date +%s.%N > /run/uml-out/t-script
timeout -k 3 $timeout_s sh $(q "$script")$args
echo \$? > /run/uml-out/rc.tmp
date +%s.%N > /run/uml-out/t-end
sync
mv /run/uml-out/rc.tmp /run/uml-out/rc
exec 1>&- 2>&-
umount /run/uml-out
halt -f
EOF
chmod +x "$tmp/init"

# The kernel: hostfs root read-only, console to a file, its own uml_dir
# (pid file, mconsole socket) inside $tmp.  Bounded on the host too.
start=$(date +%s.%N)
TMPDIR=$memdir timeout -k 5 $((timeout_s + 60)) "$kernel" mem="$mem" \
	rootfstype=hostfs rootflags=/ ro init="$tmp/init" \
	uml_dir="$tmp/uml" con=null con0=fd:0,fd:1 quiet $UML_APPEND \
	< /dev/null > "$tmp/console" 2>&1 &
kpid=$!
# timeout(1) passes a TERM on to the kernel and its helper processes.
trap 'kill -TERM $kpid 2>/dev/null; wait $kpid; exit 130' INT TERM HUP
wait $kpid
krc=$?
trap 'exit 130' INT TERM HUP
end=$(date +%s.%N)

[ -f "$tmp/out/log" ] && cat "$tmp/out/log"
if [ -n "$UML_KEEP_OUT" ] && [ -d "$tmp/out/files" ]; then
	mkdir -p "$UML_KEEP_OUT" && cp -r "$tmp/out/files/." "$UML_KEEP_OUT/"
fi
if [ "$UML_VERBOSE" = 1 ]; then
	echo "--- uml console ---"; cat "$tmp/console"
fi
if [ ! -f "$tmp/out/rc" ]; then
	echo "uml.sh: the kernel ended ($krc) before the script reported" \
	     "a status; console tail:" >&2
	tail -n 20 "$tmp/console" >&2
	exit 125
fi
# Boot = until the init ran; script = its own run; total includes halt.
times=$(cat "$tmp/out/t-init" "$tmp/out/t-script" "$tmp/out/t-end" 2>/dev/null | tr "\n" " ")
echo "$start $times $end" | awk -v k="$kver" -v s="$(basename "$script")" '
	NF == 5 { printf "uml.sh: kernel %s: boot %.1f s, %s %.1f s, total %.1f s\n",
		  k, $2 - $1, s, $4 - $3, $5 - $1 }' >&2
read -r rc < "$tmp/out/rc"
exit "$rc"
