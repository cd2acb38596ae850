#!/usr/bin/python3
"""A Lambda function for the local cloud's own tests, on the Runtime API directly.

HTTP events, by rawPath: /crash exits, /error reports a function error, /bad answers something
that is not an HTTP response, /slow and /long sleep ?s= seconds first; anything else answers 200
with the event and the environment as a JSON body (and two cookies). Other events are echoed with
the environment. Every event is appended to $EVENTS_FILE when the template sets it.
"""

import json
import os
import sys
import time
import urllib.request

BASE = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime"


def post(path, document):
    request = urllib.request.Request(f"{BASE}{path}", data=json.dumps(document).encode(), method="POST")
    urllib.request.urlopen(request).read()


while True:
    with urllib.request.urlopen(f"{BASE}/invocation/next") as response:
        request_id = response.headers["lambda-runtime-aws-request-id"]
        event = json.loads(response.read())
    if os.environ.get("EVENTS_FILE"):
        with open(os.environ["EVENTS_FILE"], "a") as out:
            out.write(json.dumps(event) + "\n")
    path = event.get("rawPath") if isinstance(event, dict) else None
    if path == "/crash":
        sys.exit(3)
    if path in ("/slow", "/long"):
        time.sleep(float((event.get("queryStringParameters") or {}).get("s", "3")))
    if path == "/error":
        post(f"/invocation/{request_id}/error", {"errorType": "Boom", "errorMessage": "it broke"})
        continue
    if path == "/bad":
        answer = {"statusCode": "200"}
    elif path is not None:
        body = json.dumps({"event": event, "env": dict(os.environ), "pid": os.getpid()})
        answer = {"statusCode": 200, "headers": {"content-type": "application/json"}, "cookies": ["a=1", "b=2"], "body": body}
    else:
        answer = {"echo": event, "env": dict(os.environ), "pid": os.getpid()}
    post(f"/invocation/{request_id}/response", answer)
