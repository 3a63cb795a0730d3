#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print 'N passed, N failed' from a meson testlog.json; exit 1 on any failure."""
import json
import sys

passed = failed = 0
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        if r.get("result") in ("OK", "EXPECTEDFAIL"):
            passed += 1
        else:
            failed += 1
            print(f"FAILED: {r.get('name')} ({r.get('result')})")
print(f"tests: {passed} passed, {failed} failed")
sys.exit(1 if failed or not passed else 0)
