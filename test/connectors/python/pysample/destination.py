"""destination-pyjsonl: appends each stream's records to <destination_path>/<stream>.jsonl.

Overwrite streams start empty. A STATE is echoed only after every record before it is flushed
and fsynced. `destination_path` is a host path (a `/local/…` path is mapped by the executor).
"""
import json
import os
import sys

from .protocol import emit, installed_version, log, parse_args, read_json

SPEC = {
    "documentationUrl": "https://example.invalid/destination-pyjsonl",
    "supported_destination_sync_modes": ["overwrite", "append"],
    "connectionSpecification": {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Python JSONL Destination",
        "type": "object",
        "required": ["destination_path"],
        "properties": {"destination_path": {"type": "string", "title": "Folder for <stream>.jsonl files"}},
    },
}


def _write(folder, catalog):
    os.makedirs(folder, exist_ok=True)
    files = {}
    for s in catalog.get("streams", []):
        name = s["stream"]["name"]
        mode = "w" if s.get("destination_sync_mode") == "overwrite" else "a"
        files[name] = open(os.path.join(folder, f"{name}.jsonl"), mode, encoding="utf-8")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        message = json.loads(line)
        if message.get("type") == "RECORD":
            record = message["record"]
            files[record["stream"]].write(json.dumps(record["data"]) + "\n")
        elif message.get("type") == "STATE":
            for f in files.values():
                f.flush()
                os.fsync(f.fileno())
            emit(message)
            sys.stdout.flush()
    for f in files.values():
        f.close()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "spec":
        emit({"type": "SPEC", "spec": SPEC})
        return
    config = read_json(args.config)
    log("INFO", f"destination-pyjsonl {installed_version()} {args.command}")
    if args.command == "check":
        folder = config["destination_path"]
        try:
            os.makedirs(folder, exist_ok=True)
            status = {"status": "SUCCEEDED"}
        except OSError as error:
            status = {"status": "FAILED", "message": f"cannot create {folder}: {error}"}
        emit({"type": "CONNECTION_STATUS", "connectionStatus": status})
    elif args.command == "write":
        _write(config["destination_path"], read_json(args.catalog))
    else:
        sys.stderr.write(f"destination-pyjsonl: unsupported command {args.command}\n")
        sys.exit(2)
