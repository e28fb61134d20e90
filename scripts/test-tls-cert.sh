#!/usr/bin/env bash
# Makes the certificates the Huawei Cloud tests and benchmark serve HTTPS with, offline: a test CA
# (ca.pem) and a server certificate for 127.0.0.1 and localhost signed by it (server.pem,
# server.key), RSA 2048 like the public endpoints. Nothing here is trusted by the system: a client
# verifies the emulator only when given ca.pem (settings.tls.ca_file).
#
# Usage: scripts/test-tls-cert.sh OUTPUT_DIR
set -euo pipefail

out=${1:?usage: $0 OUTPUT_DIR}
command -v openssl >/dev/null || { echo "$0: openssl not found (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=stopd test CA" \
  -keyout "$work/ca.key" -out "$work/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
  -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
  -CAcreateserial -days 3650 -extfile "$work/server.ext" -out "$work/server.pem" 2>/dev/null

# Moved into place last, so a half-made set is never mistaken for a finished one.
cp "$work/server.key" "$work/server.pem" "$out/"
cp "$work/ca.pem" "$out/ca.pem"
