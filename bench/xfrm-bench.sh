#!/bin/sh
# bench/xfrm-bench.sh BINARY [ARGS...]: what `make bench-xfrm` runs inside
# user-mode Linux (t/kernel/uml.sh): the fastpath install benchmark in a
# kernel with ESP.  Prints the kernel and the benchmark's lines.
echo "xfrm-bench: kernel $(uname -r), $(nproc) CPU"
exec "$@"
