#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that the manual pages in docs/man/ cover what the code offers.

    scripts/manlint.py [--root DIR]

Fails (exit 1, one line per missing item on stderr) when
  - an option a tool accepts is not a tag (.TP) of its page's OPTIONS
    section: the options are read from the tool's source, its
    getopt_long() option string and struct option table, and from the
    option lines of its usage() text (what --help prints), so an option
    accepted but not advertised is caught as well as the reverse;
  - a command of xnetctl's usage text ("addr add", "route get"...) is not
    a tag of COMMANDS in xnetctl.8, or a word it matches its arguments
    against (its W_* tables: "address", "ls"...; and strcmp() keywords:
    "via", "peer"...) is not in bold anywhere in the page;
  - a counter of xnet_mib_names (module/proc.c) is not a tag of the
    "Counters" section of xnet.7;
  - a sysctl registered in module/proc.c (.procname) is not a tag of the
    "Sysctls" section of xnet.7;
  - a SOL_XNET socket option of include/uapi/linux/xnet.h (the block
    under "Socket options at level SOL_XNET", and any XNET_* name the
    module compares an optname with) is not a tag of the "Socket
    options" section of xnet.7.
Nothing needs to be built. Exit 0 and one summary line when all is there.
"""
import argparse
import glob
import os
import re
import sys

TOOLS = ("xnetctl", "xnet-ping", "xnet-bench", "xnet-trace")

problems = []


def problem(msg):
    problems.append(msg)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- roff ---------------------------------------------------------------

FONT_RE = re.compile(r"\\f(\[[A-Z]*\]|\(..|[BIRP1-4])")


def roff_args(rest):
    """Split a macro's arguments as roff does: blanks, "quoted" words."""
    args, cur, quoted, i = [], "", False, 0
    while i < len(rest):
        ch = rest[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(rest) and rest[i + 1] == '"':
                    cur += '"'
                    i += 1
                else:
                    quoted = False
            else:
                cur += ch
        elif ch == '"' and not cur:
            quoted = True
        elif ch in " \t":
            if cur:
                args.append(cur)
                cur = ""
        else:
            cur += ch
        i += 1
    if cur or quoted:
        args.append(cur)
    return args


def plain(s):
    """roff text to plain text: fonts dropped, escapes resolved."""
    s = FONT_RE.sub("", s)
    s = s.replace("\\-", "-").replace("\\(dq", '"').replace("\\(aq", "'")
    s = s.replace("\\&", "").replace("\\e", "\\").replace("\\ ", " ")
    s = s.replace("\\(bu", "*")
    return s


FONT_MACROS = {"B": "B", "I": "I", "BR": "BR", "RB": "RB", "BI": "BI",
               "IB": "IB", "IR": "IR", "RI": "RI", "SM": "R", "SB": "B"}


def font_runs(text, font):
    """Split roff text into (font, plain text) runs, starting in font."""
    runs, prev = [], font
    pos = 0
    for m in FONT_RE.finditer(text):
        runs.append((font, text[pos:m.start()]))
        f = m.group(1).strip("[]").lstrip("(")
        f = {"1": "R", "2": "I", "3": "B", "4": "BI"}.get(f, f)
        if f == "P":
            f, prev = prev, font
        else:
            prev = font
        font = f
        pos = m.end()
    runs.append((font, text[pos:]))
    return [(f, plain(t)) for f, t in runs if t]


def line_text(line):
    """A source line as plain text, and its bold pieces."""
    runs = []
    if line.startswith(".") or line.startswith("'"):
        parts = line[1:].split(None, 1)
        mac = parts[0] if parts else ""
        rest = parts[1] if len(parts) > 1 else ""
        if mac not in FONT_MACROS:
            return "", []
        args = roff_args(rest)
        fonts = FONT_MACROS[mac]
        if len(fonts) == 1:
            runs = font_runs(" ".join(args), fonts)
        else:
            for i, a in enumerate(args):
                runs += font_runs(a, fonts[i % 2])
    else:
        runs = font_runs(line, "R")
    text = "".join(t for _, t in runs)
    bold = [t for f, t in runs if f.startswith("B") and t.strip()]
    return text, bold


class Page:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        self.lines = read(path).splitlines()
        self.bold = set()
        for ln in self.lines:
            _, b = line_text(ln)
            for piece in b:
                self.bold.update(piece.split())
                self.bold.add(piece.strip())

    def section(self, title):
        """Source lines of the .SH or .SS called title (case-insensitive)."""
        out, inside, level = [], False, None
        for ln in self.lines:
            m = re.match(r'\.(SH|SS)\s+"?(.*?)"?\s*$', ln)
            if m:
                if inside and (m.group(1) == "SH" or level == "SS"):
                    break
                if plain(m.group(2)).lower() == title.lower():
                    inside, level = True, m.group(1)
                    continue
            if inside:
                out.append(ln)
        return out if inside else None

    def tags(self, title):
        """Plain text of the tag line of each .TP in a section."""
        sec = self.section(title)
        if sec is None:
            problem(f"{self.name}: no section \"{title}\"")
            return []
        tags = []
        for i, ln in enumerate(sec):
            if ln.startswith(".TP") and i + 1 < len(sec):
                text, _ = line_text(sec[i + 1])
                if not text and not sec[i + 1].startswith("."):
                    text = plain(sec[i + 1])
                tags.append(" ".join(text.split()))
        return tags


def tag_words(tags):
    """First word of each tag (an option, counter or sysctl name)."""
    return {t.split()[0] for t in tags if t.split()}


# ---- C sources ----------------------------------------------------------

def c_strings(src):
    """Concatenated C string literals of src, unescaped (enough for help)."""
    out = []
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', src):
        s = m.group(1)
        s = s.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"')
        s = s.replace("\\\\", "\\")
        out.append(s)
    return "".join(out)


def function_body(src, name):
    m = re.search(r"\b" + re.escape(name) + r"\s*\([^)]*\)\s*\{", src)
    if not m:
        return None
    depth, i = 0, m.end() - 1
    for j in range(i, len(src)):
        if src[j] == "{":
            depth += 1
        elif src[j] == "}":
            depth -= 1
            if depth == 0:
                return src[i:j + 1]
    return None


def tool_options(src, tool):
    """(set of '-x' and '--long') the tool accepts or advertises."""
    opts = set()
    calls = re.findall(r'getopt(?:_long)?\s*\(\s*argc\s*,\s*argv\s*,\s*'
                       r'"([^"]*)"', src)
    if not calls:
        problem(f"{tool}: no getopt option string found in its source")
    for optstring in calls:
        for ch in optstring:
            if ch.isalnum():
                opts.add("-" + ch)
    for table in re.findall(r"struct\s+option\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\};",
                            src, re.S):
        for name in re.findall(r'\{\s*"([\w-]+)"\s*,', table):
            opts.add("--" + name)
    body = function_body(src, "usage")
    if body is None:
        problem(f"{tool}: no usage() found in its source")
        return opts, ""
    helptext = c_strings(body)
    for ln in helptext.splitlines():
        # option lines: "  -x ..." or "  -x, --long ..."
        m = re.match(r"\s{1,4}(-\w)(?:,\s*(--[\w-]+))?\b", ln)
        if m:
            opts.add(m.group(1))
            if m.group(2):
                opts.add(m.group(2))
        for lng in re.findall(r"(?<![\w-])(--[a-z][\w-]+)", ln):
            if re.match(r"\s{1,4}-", ln):
                opts.add(lng)
    return opts, helptext


def page_options(page):
    found = set()
    for t in page.tags("OPTIONS"):
        found.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)", t))
    return found


def xnetctl_commands(helptext):
    """["addr add", "addr show", ...] from the usage text."""
    cmds, inside = [], False
    for ln in helptext.splitlines():
        if ln.startswith("Objects and commands"):
            inside = True
            continue
        if inside and not ln.strip():
            break
        if not inside or not re.match(r"  \S", ln):
            continue
        words = re.split(r"\s{2,}", ln.strip())[0].split()
        obj = words[0]
        if not re.fullmatch(r"[a-z]+", obj):
            continue
        sub = words[1] if len(words) > 1 else ""
        m = re.fullmatch(r"\[?([a-z|]+)\]?", sub)
        if not m:
            cmds.append(obj)
            continue
        for s in m.group(1).split("|"):
            cmds.append(f"{obj} {s}")
    return cmds


def check_tool(root, tool):
    src_path = os.path.join(root, "tools", tool, tool + ".c")
    pages = glob.glob(os.path.join(root, "docs", "man", tool + ".[1-8]"))
    if not os.path.exists(src_path):
        problem(f"{tool}: source {src_path} not found")
        return
    if not pages:
        problem(f"{tool}: no manual page docs/man/{tool}.[1-8]")
        return
    src = read(src_path)
    page = Page(pages[0])
    accepted, helptext = tool_options(src, tool)
    documented = page_options(page)
    for opt in sorted(accepted - documented):
        problem(f"{page.name}: option {opt} of {tool} is not documented "
                f"(no OPTIONS tag)")
    if tool != "xnetctl":
        return
    cmds = xnetctl_commands(helptext)
    if not cmds:
        problem("xnetctl: no commands found in its usage text")
    tags = page.tags("COMMANDS")
    for cmd in cmds:
        if not any(t == cmd or t.startswith(cmd + " ") for t in tags):
            problem(f"{page.name}: command \"{cmd}\" of xnetctl is not "
                    f"documented (no COMMANDS tag)")
    # every file of xnetctl: each object's command words and options
    src = "\n".join(read(f) for f in sorted(glob.glob(
        os.path.join(root, "tools", tool, "*.c"))))
    words = set()
    for table in re.findall(r"static const char \*const [Ww]_\w+\[\]\s*=\s*"
                            r"\{(.*?)\};", src, re.S):
        words.update(re.findall(r'"([^"]+)"', table))
    words.update(re.findall(r'strcmp\(\s*(?:argv\[i\]|k|obj|dst|a)\s*,\s*'
                            r'"([^"]+)"\s*\)', src))
    if not words:
        problem("xnetctl: no command words (W_* tables) found in its source")
    for w in sorted(words - page.bold):
        problem(f"{page.name}: word \"{w}\" that xnetctl accepts is not "
                f"documented (not in bold)")


# ---- the module ---------------------------------------------------------

def check_xnet7(root):
    path = os.path.join(root, "docs", "man", "xnet.7")
    if not os.path.exists(path):
        problem("docs/man/xnet.7 is missing")
        return
    page = Page(path)
    proc = read(os.path.join(root, "module", "proc.c"))

    m = re.search(r"xnet_mib_names\s*\[[^\]]*\]\s*=\s*\{(.*?)\};", proc, re.S)
    counters = re.findall(r'\[\s*XNET_MIB_\w+\s*\]\s*=\s*"(\w+)"',
                          m.group(1)) if m else []
    if not counters:
        problem("module/proc.c: xnet_mib_names not found or empty")
    have = tag_words(page.tags("Counters"))
    for c in counters:
        if c not in have:
            problem(f"xnet.7: counter {c} (module/proc.c) is not documented "
                    f"(no tag in Counters)")

    sysctls = re.findall(r'\.procname\s*=\s*"(\w+)"', proc)
    if not sysctls:
        problem("module/proc.c: no sysctl .procname found")
    have = tag_words(page.tags("Sysctls"))
    for s in sysctls:
        if s not in have:
            problem(f"xnet.7: sysctl net.xnet.{s} (module/proc.c) is not "
                    f"documented (no tag in Sysctls)")

    uapi = read(os.path.join(root, "include", "uapi", "linux", "xnet.h"))
    m = re.search(r"/\*\s*Socket options at level SOL_XNET\.?\s*\*/\n"
                  r"(.*?)\n\s*\n", uapi, re.S)
    opts = re.findall(r"#define\s+(XNET_\w+)\s+\d+", m.group(1)) if m else []
    if not opts:
        problem("include/uapi/linux/xnet.h: no SOL_XNET option block found")
    defined = set(re.findall(r"#define\s+(XNET_\w+)\s", uapi))
    for f in glob.glob(os.path.join(root, "module", "*.c")):
        for name in re.findall(r"optname\s*[!=]=\s*(XNET_\w+)", read(f)):
            if name in defined and name not in opts:
                opts.append(name)
    have = tag_words(page.tags("Socket options"))
    for o in opts:
        if o not in have:
            problem(f"xnet.7: socket option {o} (include/uapi/linux/xnet.h)"
                    f" is not documented (no tag in Socket options)")
    return len(counters), len(sysctls), len(opts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    args = ap.parse_args()
    counts = check_xnet7(args.root) or (0, 0, 0)
    for tool in TOOLS:
        check_tool(args.root, tool)
    if problems:
        for p in problems:
            print(f"manlint: {p}", file=sys.stderr)
        print(f"manlint: FAILED ({len(problems)} missing)", file=sys.stderr)
        return 1
    print(f"manlint: {counts[0]} counters, {counts[1]} sysctls, "
          f"{counts[2]} socket options, the options of {len(TOOLS)} tools: "
          f"all documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
