#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small MCP server (stdio, newline-delimited JSON-RPC) for the MCP client tests.

--versions V1,V2   protocol versions it knows, latest first (default 2025-11-25)
--answer VERSION   always answer initialize with VERSION (an unsupported one, say)
--paginate         tools/list in two pages (nextCursor)
--noise            print a line that is not JSON before answering initialize
--ping             send the client a ping request after notifications/initialized
--list-changed     offers the tools change (swaps "fail" for "added", sends
                   notifications/tools/list_changed, then holds every tools/list answer)
                   and release (answers the held tools/list requests, then the call)

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
ADDED = {"name": "added", "description": "Added later", "inputSchema": OBJ,
         "_meta": {"io.github.sprigchat/plugin": "later"}}
if "--list-changed" in args:
    TOOLS += [{"name": "change", "description": "Changes the tools", "inputSchema": OBJ},
              {"name": "release", "description": "Answers tools/list", "inputSchema": OBJ}]
state = {"cancelled": None, "pinged": False, "hold": False, "held": []}


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
    elif name == "change" and "--list-changed" in args:
        TOOLS[:] = [t for t in TOOLS if t["name"] != "fail"] + [ADDED]
        state["hold"] = True
        send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        text(mid, "changed")
    elif name == "release" and "--list-changed" in args:
        state["hold"] = False
        for held_id, held_params in state["held"]:
            list_tools(held_id, held_params)
        state["held"] = []
        text(mid, "released")
    else:
        send({"jsonrpc": "2.0", "id": mid,
              "error": {"code": -32602, "message": "Unknown tool: %s" % name}})


def list_tools(mid, params):
    if state["hold"]:
        state["held"].append((mid, params))
    elif "--paginate" in args and "cursor" not in params:
        result(mid, {"tools": TOOLS[:2], "nextCursor": "page2"})
    elif "--paginate" in args:
        result(mid, {"tools": TOOLS[2:]})
    else:
        result(mid, {"tools": TOOLS})


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
        list_tools(mid, params)
    elif method == "tools/call":
        call(mid, params)
    elif mid is not None:
        send({"jsonrpc": "2.0", "id": mid,
              "error": {"code": -32601, "message": "Method not found"}})
