"""The built-in playbook plugin loads its rules (and scipy) only when the playbook runs."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, sys
from relationkit.cli import main
try:
    sys.argv = ["relationkit", "--help"]
    main()
except SystemExit:
    pass
before = {m: m in sys.modules for m in ("scipy", "relationkit.followups.rules")}
from relationkit.plugins import rules
names = [r.name for r in rules()]
print(json.dumps({"before": before, "rules": names}), file=sys.stderr)
"""


def test_cli_start_up_does_not_import_the_rules_and_registering_them_still_works():
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    found = json.loads(done.stderr.strip().splitlines()[-1])
    assert found["before"] == {"scipy": False, "relationkit.followups.rules": False}
    assert "winback" in found["rules"] and len(found["rules"]) >= 9
