#!/bin/bash
# one.sh FILE FUNC: run one e2e test function in a fresh shell, its own
# topology and pin dir (the topology's cleanup trap removes everything).
# Environment: ATEOMNET, PROBE, E2E_RESULTS, T (set by run.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/topo.sh
source "$here/../lib/topo.sh"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=/dev/null
source "$here/$1"
"$2"
