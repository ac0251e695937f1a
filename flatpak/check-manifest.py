#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# Checks the Flatpak manifest offline: valid JSON, the keys flatpak-builder needs,
# the minimal finish-args Sprig asks for (each beyond a window with its reason), and every remote source pinned (a git
# source with a full 40-hex commit, or an archive/file with a sha256). Prints TAP.
import json
import re
import sys

REQUIRED = ["id", "runtime", "runtime-version", "sdk", "command", "finish-args", "modules"]
ALLOWED_FINISH = {"--share=ipc", "--socket=wayland", "--socket=fallback-x11", "--device=dri",
                  "--share=network", "--talk-name=org.freedesktop.Flatpak"}
# Every permission beyond a window needs its reason in x-finish-args-comments.
BASIC_FINISH = {"--share=ipc", "--socket=wayland", "--socket=fallback-x11"}


def check(manifest, app_id):
    problems = []
    for key in REQUIRED:
        if key not in manifest:
            problems.append(f"missing key {key!r}")
    if manifest.get("id") != app_id:
        problems.append(f"id is {manifest.get('id')!r}, expected {app_id!r}")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        problems.append("runtime/sdk must be org.gnome.Platform/org.gnome.Sdk")
    extra = set(manifest.get("finish-args", [])) - ALLOWED_FINISH
    if extra:
        problems.append(f"finish-args beyond the minimal set: {sorted(extra)}")
    for need in sorted(BASIC_FINISH):
        if need not in manifest.get("finish-args", []):
            problems.append(f"finish-args lacks {need}")
    comments = manifest.get("x-finish-args-comments", {})
    for arg in manifest.get("finish-args", []):
        if arg not in BASIC_FINISH and not comments.get(arg):
            problems.append(f"finish-args {arg} has no reason in x-finish-args-comments")
    names = [m.get("name") for m in manifest.get("modules", []) if isinstance(m, dict)]
    if not names or names[-1] != "sprig":
        problems.append("the last module must be sprig")
    if "md4c" not in names:
        problems.append("md4c (not in the GNOME runtime) must be built")
    for module in manifest.get("modules", []):
        for src in module.get("sources", []):
            problems += check_source(module.get("name"), src)
    return problems


def check_source(module, src):
    kind = src.get("type")
    if kind == "git":
        if not re.fullmatch(r"[0-9a-f]{40}", src.get("commit", "")):
            return [f"{module}: git source without a full commit hash"]
    elif kind in ("archive", "file"):
        if "url" in src and not re.fullmatch(r"[0-9a-f]{64}", src.get("sha256", "")):
            return [f"{module}: {kind} source without a sha256"]
    elif kind == "dir":
        if module != "sprig":
            return [f"{module}: only sprig itself may come from a local dir"]
    else:
        return [f"{module}: unexpected source type {kind!r}"]
    return []


def main():
    path, app_id = sys.argv[1], sys.argv[2]
    print("1..1")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f"not ok 1 - {path}: {e}")
        return 1
    problems = check(manifest, app_id)
    for p in problems:
        print(f"# {p}")
    print(("not ok" if problems else "ok") + f" 1 - {path}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
