"""The bits of the Airbyte protocol both connectors use: arguments, JSON lines, logs."""
import argparse
import json
import sys
from importlib import metadata


def installed_version():
    """The version of the installed distribution this module came from (its dist-info)."""
    for dist in metadata.distributions():
        if (dist.read_text("entry_points.txt") or "").find("pysample.") >= 0:
            return dist.version
    return "unknown"


def parse_args(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["spec", "check", "discover", "read", "write"])
    parser.add_argument("--config")
    parser.add_argument("--catalog")
    parser.add_argument("--state")
    return parser.parse_args(argv)


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def emit(message):
    sys.stdout.write(json.dumps(message) + "\n")


def log(level, text):
    emit({"type": "LOG", "log": {"level": level, "message": text}})
