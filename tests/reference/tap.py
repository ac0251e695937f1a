# SPDX-License-Identifier: Apache-2.0
#
# The little TAP harness of the Python tests: @case("name") runs a function at once and
# records whether it raised; finish() prints the plan and the results (notes as comment
# lines) and exits non-zero when any failed.
import subprocess
import sys

results = []


def run(cli, *args):
    """Runs sprig-cli; a non-zero exit is an AssertionError carrying its stderr."""
    p = subprocess.run([cli, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"sprig-cli {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
    return p


def case(name):
    def wrap(fn):
        notes = []
        try:
            fn(notes)
            results.append((True, name, notes))
        except Exception as e:  # noqa: BLE001 - every failure becomes a TAP line
            results.append((False, name, notes + [f"{type(e).__name__}: {e}"]))
        return fn
    return wrap


def finish():
    print(f"1..{len(results)}")
    for i, (ok, name, notes) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        for note in notes:
            for line in note.splitlines():
                print(f"# {line}")
    sys.exit(0 if all(ok for ok, _, _ in results) else 1)
