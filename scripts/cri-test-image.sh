#!/usr/bin/env bash
# Builds the CRI tests' image as an OCI image-layout tarball, offline: one layer holding a static
# /pause (compiled from tests/integration/cri/image/pause.c) and busybox-static as /bin/busybox
# with /bin/sh and /bin/sleep links. Import it with
#   ctr -a SOCKET -n k8s.io images import FILE
# and it is known to the CRI as docker.io/stopd/cri-test:1 (also the pods' sandbox image).
#
# Usage: scripts/cri-test-image.sh OUTPUT.tar [PAUSE_SOURCE.c]
# Needs gcc with a static libc (libc6-dev), busybox-static, tar, sha256sum.
set -euo pipefail

readonly IMAGE_NAME="docker.io/stopd/cri-test:1"

output=${1:?usage: $0 OUTPUT.tar [PAUSE_SOURCE.c]}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pause_source=${2:-$source_dir/tests/integration/cri/image/pause.c}
busybox=$(command -v busybox || true)

[[ -f $pause_source ]] || { echo "$0: no pause source at $pause_source" >&2; exit 1; }
[[ -n $busybox ]] || { echo "$0: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
if ldd "$busybox" >/dev/null 2>&1; then
  echo "$0: $busybox is dynamically linked; the image has no libc (apt-get install busybox-static)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The root filesystem of the one layer.
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" "$rootfs/etc" "$rootfs/tmp"
gcc -static -O2 -Wall -Wextra -Werror -o "$rootfs/pause" "$pause_source"
strip "$rootfs/pause" 2>/dev/null || true
cp "$busybox" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
ln -s busybox "$rootfs/bin/sleep"
chmod 1777 "$rootfs/tmp"

blobs=$work/layout/blobs/sha256
mkdir -p "$blobs"

# A reproducible layer: sorted names, fixed owner and time.
layer=$work/layer.tar
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' -C "$rootfs" -cf "$layer" .
layer_digest=$(sha256sum "$layer" | cut -d' ' -f1)
layer_size=$(stat -c %s "$layer")
mv "$layer" "$blobs/$layer_digest"

# Writes stdin to a blob; prints "DIGEST SIZE".
put_blob() {
  local file=$work/blob
  cat >"$file"
  local digest size
  digest=$(sha256sum "$file" | cut -d' ' -f1)
  size=$(stat -c %s "$file")
  mv "$file" "$blobs/$digest"
  echo "$digest $size"
}

read -r config_digest config_size < <(put_blob <<JSON
{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"WorkingDir":"/","Env":["PATH=/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_digest"]},"history":[{"created_by":"scripts/cri-test-image.sh"}]}
JSON
)

read -r manifest_digest manifest_size < <(put_blob <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer_digest","size":$layer_size}]}
JSON
)

cat >"$work/layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"$IMAGE_NAME","org.opencontainers.image.ref.name":"1"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"

mkdir -p "$(dirname "$output")"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' -C "$work/layout" -cf "$output.partial" .
mv "$output.partial" "$output"
