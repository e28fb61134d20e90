#!/usr/bin/env bash
# Sweeps up what a crashed or killed CRI test run left behind (a normal run tears its private
# containerd down itself): its shims and containers, mounts, /tmp/scri-* directories, scri*
# bridges, CNI result files, stopd-cri-* pod cgroups and dead shim sockets. Touches only what
# belongs to a private test containerd that no longer runs.
#
# Usage (as root): scripts/cri-test-cleanup.sh
set -euo pipefail

[[ $(id -u) -eq 0 ]] || { echo "$0: run as root" >&2; exit 1; }

for dir in /tmp/scri-*; do
  [[ -d $dir ]] || continue
  if pgrep -f "^containerd --config $dir/config.toml" >/dev/null; then
    echo "skipping $dir: its containerd still runs"
    continue
  fi
  echo "cleaning $dir"
  # Shims mention the private socket; their containers sit in the run's pod cgroups.
  pkill -KILL -f -- "-address $dir/containerd.sock" || true
  grep -F " $dir/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r mount_point; do
    umount -l "$mount_point" || true
  done
  if [[ -d /var/lib/cni/results ]]; then
    grep -lF "$dir/" /var/lib/cni/results/* 2>/dev/null | xargs -r rm -f
  fi
  rm -rf "$dir"
done

# Pod cgroups of runs whose processes are gone (every process in them is killed first).
for cgroup in /sys/fs/cgroup/*/stopd-cri-* /sys/fs/cgroup/stopd-cri-*; do
  [[ -d $cgroup ]] || continue
  while read -r pid; do
    kill -KILL "$pid" 2>/dev/null || true
  done < <(find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null)
  sleep 0.2
  find "$cgroup" -depth -type d -exec rmdir {} + 2>/dev/null || true
done

# Bridges of private test networks ("scri" + pid + instance).
for bridge in /sys/class/net/scri*; do
  [[ -e $bridge ]] || continue
  name=$(basename "$bridge")
  pid=${name#scri}
  pid=${pid%x*}
  # The test process that made it (its pid is in the name) is gone.
  if ! kill -0 "$pid" 2>/dev/null; then
    ip link delete "$name" || true
  fi
done

# Shim sockets nobody listens on any more.
if [[ -d /run/containerd/s ]]; then
  for socket in /run/containerd/s/*; do
    [[ -S $socket ]] || continue
    if ! python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' \
         "$socket" 2>/dev/null; then
      rm -f "$socket"
    fi
  done
fi
