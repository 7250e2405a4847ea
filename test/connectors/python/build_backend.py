"""A PEP 517 build backend with no dependencies: builds a pure-Python wheel of `pysample`.

pip uses it for `pip install <this folder>` (build isolation with `requires = []` needs no index);
the test harness calls `build(out_dir, name, version, …)` to make wheels of any name and version.
A wheel is a zip: the package, `<dist>.dist-info/METADATA`, `WHEEL`, `entry_points.txt`, `RECORD`.
"""
import base64
import hashlib
import os
import re
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "pysample"


def _project():
    text = open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8").read()
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    name = re.search(r'^name\s*=\s*"([^"]+)"', project, re.M).group(1)
    version = re.search(r'^version\s*=\s*"([^"]+)"', project, re.M).group(1)
    scripts_block = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    scripts = dict(re.findall(r'^([\w.-]+)\s*=\s*"([^"]+)"', scripts_block, re.M))
    return name, version, scripts


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build(out_dir, name, version, scripts, requires=()):
    """Writes `<dist>-<version>-py3-none-any.whl` into out_dir and returns its file name."""
    dist = re.sub(r"[-_.]+", "_", name).lower()
    info = f"{dist}-{version}.dist-info"
    files = {}
    for root, _, names in os.walk(os.path.join(HERE, PACKAGE)):
        for n in sorted(names):
            if n.endswith(".py"):
                full = os.path.join(root, n)
                files[os.path.relpath(full, HERE).replace(os.sep, "/")] = open(full, "rb").read()
    metadata = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    files[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: airbyte-write-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entry = "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items())
    files[f"{info}/entry_points.txt"] = entry.encode()
    record = [_record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    file_name = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(out_dir, file_name), "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            z.writestr(p, d)
    return file_name


# PEP 517 hooks
def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name, version, scripts = _project()
    return build(wheel_directory, name, version, scripts)
