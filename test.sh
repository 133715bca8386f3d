#!/usr/bin/env bash
# Runs the whole ReactorTwin test suite on a fresh machine of this kind (Debian + .NET 10 SDK).
# Needs the .NET SDK (plus gcc and linux-libc-dev for the native ABI tests and mosquitto for the MQTT tests, which .ci/run installs): restores the pinned packages, builds, runs every test project except those tagged Category=Hardware, and ends with a plain
# "N passed, N failed" line summed from the TRX reports. Exit code: 0 only if the build succeeded and no test failed.
set -uo pipefail
cd "$(dirname "$0")"

command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET SDK (dotnet) is required and is not on PATH" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=TestResults
rm -rf "$results"
dotnet restore ReactorTwin.sln --nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet build ReactorTwin.sln -c Release --no-restore --nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet test ReactorTwin.sln -c Release --no-build --nologo --filter "Category!=Hardware" \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
rc=$?

passed=0; failed=0
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); f_=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f_:-0}))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash or build break counts as a failure
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
