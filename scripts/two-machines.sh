#!/usr/bin/env bash
# Two machines on one box: two network namespaces joined by a veth pair (optionally shaped),
# and a 2-rank dlg job across them over TCP, the path a real two-machine job takes
# (docs/distributed.md). mpirun runs in the first namespace and starts the second rank in the
# other through an `ip netns exec` launcher instead of ssh. Needs root.
#
#   scripts/two-machines.sh [--rate 1gbit] [--delay 1ms] [--] DLG_ARGUMENTS...
#   scripts/two-machines.sh --rate 1gbit -- .build/release/dlg run graphs/fashion_mnist.dlg --epochs 1
#
# --rate shapes both directions with a token bucket (tc tbf); --delay adds latency with netem,
# which some kernels lack (then the script says so and stops).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=""
delay=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --delay) delay="$2"; shift 2 ;;
    --) shift; break ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--rate R] [--delay D] [--] COMMAND..." >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "network namespaces need root" >&2; exit 1; }

a=dlg-host-a
b=dlg-host-b
agent=$(mktemp /tmp/dlg-netns-agent.XXXXXX)
hostfile=$(mktemp /tmp/dlg-hostfile.XXXXXX)
cleanup() {
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -f "$agent" "$hostfile"
}
trap cleanup EXIT
# Namespaces a killed run left behind.
ip netns del "$a" 2>/dev/null || true
ip netns del "$b" 2>/dev/null || true

ip netns add "$a"
ip netns add "$b"
ip link add dlg-va type veth peer name dlg-vb
ip link set dlg-va netns "$a"
ip link set dlg-vb netns "$b"
ip -n "$a" addr add 10.77.0.1/24 dev dlg-va
ip -n "$b" addr add 10.77.0.2/24 dev dlg-vb
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up
done
ip -n "$a" link set dlg-va up
ip -n "$b" link set dlg-vb up

shape() {
  local ns=$1 dev=$2
  if [ -n "$delay" ]; then
    if ! ip netns exec "$ns" tc qdisc add dev "$dev" root handle 1: netem delay "$delay" \
      ${rate:+rate "$rate"} 2>/dev/null; then
      echo "this kernel has no netem (tc qdisc netem): --delay is not possible here" >&2
      exit 1
    fi
  elif [ -n "$rate" ]; then
    ip netns exec "$ns" tc qdisc add dev "$dev" root tbf rate "$rate" burst 64kb limit 2mb
  fi
}
shape "$a" dlg-va
shape "$b" dlg-vb

# The launcher mpirun calls instead of ssh: `AGENT HOST COMMAND...`, run in HOST's namespace.
cat > "$agent" <<AGENT
#!/bin/sh
host=\$1; shift
case "\$host" in
  10.77.0.1) ns=$a ;;
  10.77.0.2) ns=$b ;;
  *) echo "unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" sh -c "\$*"
AGENT
chmod +x "$agent"
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$hostfile"

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ip netns exec "$a" mpirun -np 2 --hostfile "$hostfile" --bind-to none \
  --mca plm_rsh_agent "$agent" --mca btl self,tcp --mca btl_tcp_if_include 10.77.0.0/24 \
  --mca oob_tcp_if_include 10.77.0.0/24 -x PATH \
  "$@"
