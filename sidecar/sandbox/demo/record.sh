#!/usr/bin/env bash
# sidecar/sandbox/demo/record.sh: re-record the sandbox's built-in demo from the real control plane.
#
# Starts tests/cluster (etcd, kube-apiserver, controller-manager, scheduler, KWOK) with the demo
# scenario in ./scenario, lets the controllers, scheduler and simulated kubelets settle, and dumps
# every object the sandbox serves (objects, status, events) with kubectl into recorded/cluster.json.
# Container logs are not dumped: KWOK serves them from scenario/logs/, and the sandbox embeds the
# same files. Run from anywhere; takes about a minute once tests/cluster is built.
#
#   sidecar/sandbox/demo/record.sh            # writes sidecar/sandbox/demo/recorded/cluster.json
#   SETTLE_SECONDS=90 sidecar/sandbox/demo/record.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$here/recorded/cluster.json"
settle="${SETTLE_SECONDS:-60}"

# Kinds the sandbox serves and the demo uses. Managed fields are left out (kubectl's default).
kinds="namespaces,nodes,serviceaccounts,configmaps,secrets,services,endpoints,endpointslices.discovery.k8s.io,deployments.apps,replicasets.apps,statefulsets.apps,daemonsets.apps,jobs.batch,cronjobs.batch,pods,poddisruptionbudgets.policy,events"

export SETTLE="$settle" OUT="$out" KINDS="$kinds"
"$root/tests/cluster/with-cluster" --scenario "$here/scenario" -- bash -c '
  set -euo pipefail
  echo "record: letting the cluster settle for ${SETTLE}s" >&2
  sleep "$SETTLE"
  recorded_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  kubectl get "$KINDS" -A -o json > "$OUT.tmp"
  python3 - "$OUT.tmp" "$OUT" "$recorded_at" <<PY
import json, sys
src, dst, at = sys.argv[1:]
items = json.load(open(src))["items"]
# Service account tokens and the root CA differ per cluster and say nothing about the demo.
items = [i for i in items if not (i["kind"] == "ConfigMap" and i["metadata"]["name"] == "kube-root-ca.crt")]
json.dump({"recordedAt": at, "items": items}, open(dst, "w"), indent=1, sort_keys=True)
print(f"record: {len(items)} objects recorded at {at} into {dst}", file=sys.stderr)
PY
  rm -f "$OUT.tmp"
'
