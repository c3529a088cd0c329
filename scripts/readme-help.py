#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""README's xnetctl command list is `xnetctl --help`, word for word.

    scripts/readme-help.py [--fix] [--root DIR]

The first ``` block after the heading "## xnetctl reference" of README.md
must be exactly what tools/xnetctl/xnetctl --help prints (built: make
tools). Exit 1 with a diff when they differ; --fix rewrites the block
from --help. Run by make lint. So a new command or option is one edit of
usage() in tools/xnetctl/xnetctl.c, then --fix (or the same lines by
hand) in README.md.
"""
import argparse
import difflib
import os
import subprocess
import sys

HEADING = "## xnetctl reference"


def block_span(lines):
    """(first, last) line indexes of the block's text, or None."""
    try:
        h = lines.index(HEADING)
    except ValueError:
        return None
    start = None
    for i in range(h + 1, len(lines)):
        if lines[i].startswith("## "):
            return None
        if lines[i].startswith("```"):
            if start is None:
                start = i + 1
            else:
                return start, i
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fix", action="store_true")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    a = ap.parse_args()
    tool = os.path.join(a.root, "tools", "xnetctl", "xnetctl")
    readme = os.path.join(a.root, "README.md")
    if not os.access(tool, os.X_OK):
        print("readme-help: %s not built (make tools)" % tool,
              file=sys.stderr)
        return 1
    helptext = subprocess.run([tool, "--help"], capture_output=True,
                              text=True, check=True).stdout
    want = helptext.rstrip("\n").split("\n")
    with open(readme) as f:
        lines = f.read().split("\n")
    span = block_span(lines)
    if span is None:
        print('readme-help: README.md has no ``` block under "%s"' %
              HEADING, file=sys.stderr)
        return 1
    have = lines[span[0]:span[1]]
    if have == want:
        print("readme-help: README's xnetctl list is xnetctl --help")
        return 0
    if a.fix:
        lines[span[0]:span[1]] = want
        with open(readme, "w") as f:
            f.write("\n".join(lines))
        print("readme-help: README.md updated from xnetctl --help")
        return 0
    sys.stderr.writelines(difflib.unified_diff(
        [ln + "\n" for ln in have], [ln + "\n" for ln in want],
        "README.md (## xnetctl reference)", "xnetctl --help"))
    print("readme-help: README's xnetctl list differs from --help "
          "(scripts/readme-help.py --fix)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
