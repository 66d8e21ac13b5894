"""Fails if a Chromium NetLog holds any request the page made. The browser's
own background requests (update checks, time sync) carry the initiator
"not an origin"; anything a page loads carries the page's origin ("null"
for a file:// page). Usage: check_netlog.py NETLOG.json"""
import json
import sys

log = json.load(open(sys.argv[1]))
names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
page = [
    e["params"]["url"]
    for e in log["events"]
    if names.get(e["type"]) == "URL_REQUEST_START_JOB"
    and "url" in e.get("params", {})
    and e["params"].get("initiator") != "not an origin"
    and not e["params"]["url"].startswith("file://")
]
if page:
    sys.exit("FAIL: the page made network requests: " + ", ".join(sorted(set(page))[:10]))
print(f"{sys.argv[1]}: no request from the page")
