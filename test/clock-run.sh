#!/usr/bin/env bash
# The whole suite on another calendar, under libfaketime (Debian's faketime): no test may depend on
# when or where it runs. Default: 23:59 UTC on the day before Europe leaves winter time (the run
# crosses UTC midnight; Rome's day is 23 hours), in a zone 14 hours ahead of UTC.
#   npm run test:clock                                    # the default instant and zone
#   npm run test:clock -- '2028-02-29 12:00:00 UTC' America/Los_Angeles [vitest files...]
# Without faketime it says so and runs the suite on the real clock, so a run never passes untested.
set -euo pipefail
cd "$(dirname "$0")/.."
at=${1:-2027-03-27 23:59:00 UTC}
zone=${2:-Pacific/Kiritimati}
shift $(($# > 2 ? 2 : $#))
if ! command -v faketime >/dev/null 2>&1; then
  echo "clock run: no faketime on this machine (apt-get install faketime): the suite runs on the real clock" >&2
  exec npx vitest run "$@"
fi
echo "clock run: it is $at, TZ=$zone"
# The monotonic clock stays real: timeouts and benchmarks of the run itself keep their meaning.
FAKETIME_DONT_FAKE_MONOTONIC=1 TZ=$zone faketime "$at" npx vitest run "$@"
