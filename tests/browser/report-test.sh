#!/usr/bin/env bash
# Opens the HTML report of a shipped scenario in headless Chromium (Debian's
# package, installed here if missing): it must load with no console error and
# no network request, its DOM must hold one chart per section, and a
# screenshot must not be blank. .ci/run calls it; it needs root for apt.
#   tests/browser/report-test.sh [path/to/alliance-sim]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
sim=$(realpath "${1:-$repo/target/release/alliance-sim}")
if ! command -v chromium >/dev/null; then
    echo "[report-test] installing chromium"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
fi
work=$(mktemp -d /tmp/alliance-sim-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
report="$work/report.html"
"$sim" report kazakhstan-2022 --compare what-if/armenia-frozen --sensitivity deploy -n 200000 -o "$report" 2>/dev/null

browser() {
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
        --disable-component-update --disable-sync --disable-quic --user-data-dir="$work/profile-$1" \
        --enable-logging=stderr --v=0 --log-net-log="$work/net-$1.json" "${@:2}" "file://$report"
}
browser dom --dump-dom > "$work/dom.html" 2> "$work/console.log"
browser shot --screenshot="$work/shot.png" --window-size=1000,5600 --hide-scrollbars 2>> "$work/console.log" >/dev/null

fail=0
if grep -E "CONSOLE|Uncaught|ERROR:.*(console|javascript)" "$work/console.log" | grep -viE "dbus|bus\.cc|gpu|sandbox|fontconfig|vaapi|crashpad" >/dev/null; then
    echo "[report-test] FAIL: console messages:"; grep -E "CONSOLE|Uncaught" "$work/console.log"; fail=1
fi
for f in "$work"/net-*.json; do
    python3 "$here/check_netlog.py" "$f" || fail=1
done
for section in funnel deployment need members timing outcomes rules compare tornado; do
    n=$(grep -o "class=\"chart\" data-section=\"$section\"" "$work/dom.html" | wc -l)
    [ "$n" -eq 1 ] || { echo "[report-test] FAIL: $n charts for section $section"; fail=1; }
done
python3 "$here/check_png.py" "$work/shot.png" 12 0.08 || fail=1
if [ -n "${KEEP_SCREENSHOT:-}" ]; then cp "$work/shot.png" "$KEEP_SCREENSHOT"; fi
[ "$fail" -eq 0 ] && echo "[report-test] PASS: the report loads offline with no console error or network request, one chart per section, and renders"
exit "$fail"
