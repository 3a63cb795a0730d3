#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages listed in .ci/packages.txt (needs root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgs=$(sed -e 's/#.*//' "$here/packages.txt" | tr -s ' \n' ' ')
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $pkgs
