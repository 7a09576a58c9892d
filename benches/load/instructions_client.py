"""Fixed-count /track client for instructions.sh.

    instructions_client.py PORT SOURCE SESSIONS COUNT

COUNT 0 sends one request to each of SESSIONS sessions (creating them); otherwise COUNT
requests spread over those sessions. Four keep-alive connections; any answer other than
200 fails the run.
"""

import http.client
import json
import sys
import threading

port, source, sessions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
}


def event(n):
    return {
        "type": "page-view",
        "properties": {"sku": f"sku-{n}", "price": 19.99, "currency": "EUR"},
        "context": {
            "page": {
                "url": f"https://shop.example/product/{n}?utm_source=bench",
                "title": f"Product {n}",
            }
        },
    }


def body(session):
    return json.dumps(
        {
            "source": {"id": source},
            "session": {"id": f"instr-s{session}"},
            "context": {
                "time": {"tz": "Europe/Warsaw"},
                "screen": {"width": 1920, "height": 1080},
            },
            "properties": {},
            "events": [event(1), event(2), event(3)],
        }
    )


order = list(range(sessions)) if count == 0 else [(k * 7919) % sessions for k in range(count)]
failures = []


def send(part):
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=600)
    for session in part:
        conn.request("POST", "/track", body(session), HEADERS)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            failures.append(resp.status)
            return


threads = [threading.Thread(target=send, args=(order[t::4],)) for t in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    sys.exit(f"/track answered {failures[0]}")
