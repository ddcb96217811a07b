#!/usr/bin/env bash
# The date-, time- and zone-sensitive tests on another calendar, under libfaketime (Debian's faketime):
# no test may depend on when or where it runs. Default: 23:59 UTC on the day before Europe leaves winter
# time (the run crosses UTC midnight; Rome's day is 23 hours), in a zone 14 hours ahead of UTC.
#   npm run test:clock                                    # the default instant and zone
#   npm run test:clock -- '2028-02-29 12:00:00 UTC' America/Los_Angeles [vitest files...]
set -euo pipefail
cd "$(dirname "$0")/.."
at=${1:-2027-03-27 23:59:00 UTC}
zone=${2:-Pacific/Kiritimati}
shift $(($# > 2 ? 2 : $#))
if ! command -v faketime >/dev/null 2>&1; then
  echo "clock run skipped: no faketime on this machine (apt-get install faketime)" >&2
  exit 0
fi
# The CDK synth tests read no clock; everything else does (receivedAt, today's figures, the scheduler).
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(test/shared test/functions test/privacy test/e2e test/browser test/reliability
  test/security test/web test/infra/simulate-cli.test.ts test/infra/demo-start.test.ts
  test/infra/local-runtime.test.ts test/infra/local-firehose.test.ts test/infra/operations.test.ts)
echo "clock run: it is $at, TZ=$zone"
# The monotonic clock stays real: timeouts and benchmarks of the run itself keep their meaning.
FAKETIME_DONT_FAKE_MONOTONIC=1 TZ=$zone faketime "$at" npx vitest run "${files[@]}"
