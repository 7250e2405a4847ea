"""source-pysample: one stream "items" (primary key id, cursor id) of `count` records.

Each record carries the installed package version, so a test sees which version ran. `api_key`
is a secret: "wrong" fails the check. A per-stream STATE follows every `state_every` records.
"""
import sys

from .protocol import emit, installed_version, log, parse_args, read_json

SPEC = {
    "documentationUrl": "https://example.invalid/source-pysample",
    "connectionSpecification": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Python Sample Source",
        "type": "object",
        "required": ["count"],
        "properties": {
            "count": {"type": "integer", "minimum": 0, "title": "Records"},
            "api_key": {"type": "string", "airbyte_secret": True, "title": "API key"},
            "state_every": {"type": "integer", "minimum": 1, "default": 10},
        },
    },
}

STREAM = {
    "name": "items",
    "json_schema": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "version": {"type": "string"}},
    },
    "supported_sync_modes": ["full_refresh", "incremental"],
    "source_defined_cursor": True,
    "default_cursor_field": ["id"],
    "source_defined_primary_key": [["id"]],
}


def _state(cursor):
    return {"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": "items"}, "stream_state": {"id": cursor}}}}


def _read(config, catalog, state):
    selected = [s for s in catalog.get("streams", []) if s["stream"]["name"] == "items"]
    if not selected:
        return
    start = 0
    if selected[0].get("sync_mode") == "incremental":
        for s in state or []:
            if s.get("type") == "STREAM" and s["stream"]["stream_descriptor"]["name"] == "items":
                start = int(s["stream"]["stream_state"].get("id", 0))
    version = installed_version()
    every = int(config.get("state_every", 10))
    count = int(config["count"])
    for i in range(start + 1, count + 1):
        emit({"type": "RECORD", "record": {"stream": "items", "data": {"id": i, "name": f"item {i}", "version": version}, "emitted_at": 0}})
        if i % every == 0 or i == count:
            emit(_state(i))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "spec":
        emit({"type": "SPEC", "spec": SPEC})
        return
    config = read_json(args.config)
    log("INFO", f"source-pysample {installed_version()} {args.command}")
    if args.command == "check":
        ok = config.get("api_key") != "wrong"
        status = {"status": "SUCCEEDED"} if ok else {"status": "FAILED", "message": "the API key was refused"}
        emit({"type": "CONNECTION_STATUS", "connectionStatus": status})
    elif args.command == "discover":
        emit({"type": "CATALOG", "catalog": {"streams": [STREAM]}})
    elif args.command == "read":
        _read(config, read_json(args.catalog), read_json(args.state) if args.state else None)
    else:
        sys.stderr.write(f"source-pysample: unsupported command {args.command}\n")
        sys.exit(2)
