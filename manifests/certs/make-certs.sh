#!/usr/bin/env bash
# Makes the adapter's serving certificate with openssl alone, for `kubectl apply -k manifests/certs`:
#   ca.key, ca.crt    a CA of your own (kept if present, so a renewal keeps the caBundle); ca.key
#                     never goes into the cluster: keep it, or delete it and re-run for a new CA
#   tls.key, tls.crt  the serving certificate, signed by that CA, for the Service's DNS names:
#                     SERVICE, SERVICE.NAMESPACE, SERVICE.NAMESPACE.svc, SERVICE.NAMESPACE.svc.CLUSTER_DOMAIN
# manifests/certs/kustomization.yaml turns tls.crt, tls.key and ca.crt into the Secret
# queue-metrics-adapter-serving-cert and ca.crt into the caBundle of the APIService and the webhook.
#
# usage: make-certs.sh [--dir DIR] [--namespace NS] [--service NAME] [--cluster-domain D]
#                      [--days N] [--ca-days N] [--force]
#   --dir             where to write (default: this script's directory)
#   --namespace       default queue-metrics;  --service  default queue-metrics-adapter
#   --cluster-domain  default cluster.local
#   --days            serving certificate validity (default 365);  --ca-days  CA validity (default 3650)
#   --force           replace an existing tls.crt/tls.key (default: refuse, so nothing is overwritten
#                     by accident); the CA is always kept when present
# Renewal: re-run with --force, then kubectl apply -k manifests/certs again; the adapter picks up the new
# files from the Secret within a minute without a restart.
set -euo pipefail

dir="$(cd "$(dirname "$0")" && pwd)"
namespace=queue-metrics
service=queue-metrics-adapter
domain=cluster.local
days=365
ca_days=3650
force=no
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dir) dir="$2"; shift 2 ;;
        --namespace) namespace="$2"; shift 2 ;;
        --service) service="$2"; shift 2 ;;
        --cluster-domain) domain="$2"; shift 2 ;;
        --days) days="$2"; shift 2 ;;
        --ca-days) ca_days="$2"; shift 2 ;;
        --force) force=yes; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "make-certs.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is needed" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"
if [[ -e tls.crt && $force != yes ]]; then
    echo "make-certs.sh: $dir/tls.crt exists; use --force to replace it" >&2
    exit 1
fi
umask 077   # the keys are readable by their owner only

if [[ ! -e ca.crt || ! -e ca.key ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$ca_days" -keyout ca.key -out ca.crt \
        -subj "/CN=${service}-ca" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    echo "CA: $dir/ca.crt (new)"
else
    echo "CA: $dir/ca.crt (kept)"
fi

names="DNS:${service},DNS:${service}.${namespace},DNS:${service}.${namespace}.svc,DNS:${service}.${namespace}.svc.${domain}"
cat > tls.ext <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=${names}
EXT
openssl req -newkey rsa:2048 -nodes -sha256 -keyout tls.key.new -out tls.csr \
    -subj "/CN=${service}.${namespace}.svc" 2>/dev/null
openssl x509 -req -sha256 -days "$days" -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
    -extfile tls.ext -out tls.crt.new 2>/dev/null
openssl verify -CAfile ca.crt tls.crt.new >/dev/null
mv tls.key.new tls.key
mv tls.crt.new tls.crt
rm -f tls.csr tls.ext
chmod 644 ca.crt tls.crt
echo "serving certificate: $dir/tls.crt for ${names//DNS:/}, valid $days days"
