#!/usr/bin/env bash
# The full crash loop of the reliability suite (issue 9, SPEC §8): for each seed, a full sync of
# generated data is SIGKILLed at random moments through the real `vms-runner run`, restarted, run
# to completion, recovered by `vms-runner start`, and compared with an uninterrupted sync.
#
#   scripts/crash-loop.sh [seeds=20] [kills=3] [scale=0.1] [first-seed=1]
#
# Prints one line per seed and the tally; exits 0 only when every seed's database equals the
# uninterrupted sync's with no duplicate and no run left Running. KEEP_DIRS=1 keeps the files of
# a failing seed.
set -euo pipefail
cd "$(dirname "$0")/../apps/vms-runner"
if [ -d "$HOME/.node24/bin" ]; then export PATH="$HOME/.node24/bin:$PATH"; fi
exec node --conditions=@vms/source --import tsx src/reliability/crash-loop.cli.ts "${1:-20}" "${2:-3}" "${3:-0.1}" "${4:-1}"
