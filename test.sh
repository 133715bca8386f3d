#!/usr/bin/env bash
# Runs the whole ReactorTwin test suite on a fresh machine of this kind (Debian + .NET 10 SDK).
# Needs the .NET SDK; installs mosquitto, mosquitto-clients, openssl and chromium with apt-get when they are missing and
# it runs as root. The DS18B20 test runs a child in a private mount namespace (unshare from util-linux, part of every Debian
# install) and needs root, as CI has. Restores the pinned packages, builds, runs every test project except
# those tagged Category=Hardware, and ends with a plain
# "N passed, N failed" line summed from the TRX reports. Exit code: 0 only if the build succeeded and no test failed.
set -uo pipefail
cd "$(dirname "$0")"

command -v dotnet >/dev/null 2>&1 || { echo "error: the .NET SDK (dotnet) is required and is not on PATH" >&2; exit 1; }

# Debian packages the tests need, installed when missing (as root, with apt-get).
export DEBIAN_FRONTEND=noninteractive
need=()
# The MQTT tests and the runtime's HIL tests run a real broker: Debian's mosquitto and its command-line clients, and
# openssl, which the TLS tests use to make a CA and certificates.
if ! { command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } || ! command -v mosquitto_pub >/dev/null 2>&1; then
  need+=(mosquitto mosquitto-clients)
fi
if ! command -v openssl >/dev/null 2>&1; then
  need+=(openssl)
fi
if ! command -v unshare >/dev/null 2>&1; then
  need+=(util-linux)
fi
# The dashboard's browser test drives Debian's chromium at /usr/bin/chromium (Playwright's own browser download is
# never used).
if [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
# The amortized network's forward pass is checked against an independent NumPy implementation (Debian's python3).
if ! /usr/bin/python3 -c "import numpy" >/dev/null 2>&1; then
  need+=(python3-numpy)
fi
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update </dev/null && apt-get install -y --no-install-recommends "${need[@]}" </dev/null \
      || echo "warning: could not install ${need[*]}; the tests that need them will fail" >&2
  else
    echo "warning: ${need[*]} missing and cannot be installed here (run as root, or: sudo apt-get install ${need[*]}); the tests that need them will fail" >&2
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=TestResults
rm -rf "$results"; mkdir -p "$results"
dotnet restore ReactorTwin.sln --nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet build ReactorTwin.sln -c Release --no-restore --nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
dotnet test ReactorTwin.sln -c Release --no-build --nologo --filter "Category!=Hardware" \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" 2>&1 | tee "$results/console.log"
rc=${PIPESTATUS[0]}

passed=0; failed=0
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); f_=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f_:-0}))
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a crash or build break counts as a failure
if [ "$failed" -ne 0 ]; then
  # Repeated at the end, where a truncated CI log still shows it: each failed test with its message and stack.
  echo "---- failed tests ----"
  grep -E -A25 '^\s+Failed [A-Za-z]' "$results/console.log" | head -n 300
  echo "----------------------"
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
