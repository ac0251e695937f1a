#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small MCP server (stdio, newline-delimited JSON-RPC) for the MCP client tests.

--versions V1,V2   protocol versions it knows, latest first (default 2025-11-25)
--answer VERSION   always answer initialize with VERSION (an unsupported one, say)
--paginate         tools/list in two pages (nextCursor)
--noise            print a line that is not JSON before answering initialize
--ping             send the client a ping request after notifications/initialized

Tools: echo (returns its arguments), fail (isError), sleep (never answers), exit (the
process exits with status 3), cancelled (the requestId of the last cancellation, or
null), pinged (whether the client answered our ping).
"""
import json
import sys

args = sys.argv[1:]
versions = ["2025-11-25"]
answer = None
if "--versions" in args:
    versions = args[args.index("--versions") + 1].split(",")
if "--answer" in args:
    answer = args[args.index("--answer") + 1]

OBJ = {"type": "object", "properties": {}}
TOOLS = [
    {"name": "echo", "description": "Echo", "annotations": {"readOnlyHint": True},
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
    {"name": "fail", "description": "Fails", "inputSchema": OBJ},
    {"name": "sleep", "description": "Never answers", "inputSchema": OBJ},
    {"name": "exit", "description": "Exits", "inputSchema": OBJ},
    {"name": "cancelled", "description": "Last cancellation", "inputSchema": OBJ},
    {"name": "pinged", "description": "Ping answered", "inputSchema": OBJ},
]
state = {"cancelled": None, "pinged": False}


def send(msg):
    sys.stdout.write(json.dumps(msg, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def result(mid, res):
    send({"jsonrpc": "2.0", "id": mid, "result": res})


def text(mid, t, is_error=False):
    result(mid, {"content": [{"type": "text", "text": t}], "isError": is_error})


def call(mid, params):
    name, arguments = params.get("name"), params.get("arguments", {})
    if name == "echo":
        text(mid, json.dumps(arguments, sort_keys=True))
    elif name == "fail":
        text(mid, "it failed on purpose", True)
    elif name == "sleep":
        pass
    elif name == "exit":
        sys.exit(3)
    elif name == "cancelled":
        text(mid, json.dumps(state["cancelled"]))
    elif name == "pinged":
        text(mid, json.dumps(state["pinged"]))
    else:
        send({"jsonrpc": "2.0", "id": mid,
              "error": {"code": -32602, "message": "Unknown tool: %s" % name}})


for line in sys.stdin:
    msg = json.loads(line)
    method, mid, params = msg.get("method"), msg.get("id"), msg.get("params") or {}
    if method == "initialize":
        if "--noise" in args:
            print("this is not JSON", flush=True)
        asked = params["protocolVersion"]
        version = answer or (asked if asked in versions else versions[0])
        result(mid, {"protocolVersion": version, "capabilities": {"tools": {}},
                     "serverInfo": {"name": "mcp-test-server", "version": "1"}})
    elif method == "notifications/initialized" and "--ping" in args:
        send({"jsonrpc": "2.0", "id": "srv-1", "method": "ping"})
    elif method is None and mid == "srv-1":
        state["pinged"] = msg.get("result") == {}
    elif method == "notifications/cancelled":
        state["cancelled"] = params.get("requestId")
    elif method == "tools/list":
        if "--paginate" in args and "cursor" not in params:
            result(mid, {"tools": TOOLS[:2], "nextCursor": "page2"})
        elif "--paginate" in args:
            result(mid, {"tools": TOOLS[2:]})
        else:
            result(mid, {"tools": TOOLS})
    elif method == "tools/call":
        call(mid, params)
    elif mid is not None:
        send({"jsonrpc": "2.0", "id": mid,
              "error": {"code": -32601, "message": "Method not found"}})
