#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine (run as root): the Docker engine,
# Chromium for the UI tests, the build dependencies of code-server, and openssl, sshd and podman for
# the remote-engine tests (a TLS engine with client certificates, an engine reached over ssh, Podman),
# and python3 with venv and pip for the Python-connector tests.
# Idempotent and quick when everything is already there.
set -euo pipefail
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
command -v curl >/dev/null 2>&1 || need+=(curl)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v podman >/dev/null 2>&1 || need+=(podman)
# Python connectors in venvs (test/unit/python): python3 with venv and pip.
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
python3 -c 'import pip' >/dev/null 2>&1 || need+=(python3-pip)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "provision: missing ${need[*]} and not root: install them with apt-get, or run as root" >&2
    exit 1
  fi
  echo "provision: apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "provision: system packages ready"
