"""The options of dubbatch's verbs, as four sources state them: each verb's
--help, README.md's option tables and its "Common options" paragraph, the
man page, and the option tables in pipeline/cmd_<verb>.c.  The integration
tests compare them, so an option cannot be added to one and not the others.

    python3 cli_options.py verbs DUBBATCH          the verbs, one a line
    python3 cli_options.py help DUBBATCH VERB      a verb's options, one a line
    python3 cli_options.py readme-check DUBBATCH TOP TMP
    python3 cli_options.py man-check DUBBATCH TOP RENDERED_PAGE
                                                   PASS/FAIL lines
"""
import os
import re
import subprocess
import sys

# Values a valid command line may give each metavar; an option whose
# metavar is not here is tried with "1".
SAMPLES = {
    "N": "1", "SEC": "5", "MIN": "1", "USD": "1", "F": "key.txt",
    "U": "http://127.0.0.1:9", "text|json": "json", "video|audio": "audio",
    "E": "text-to-video", "OUT": "other.mp4", "FILE": "new.yaml",
}
# -h and --help are every verb's, checked on their own.
HELP = {"-h", "--help"}


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def verbs(dubbatch):
    """The verbs `dubbatch --help` lists."""
    out = run([dubbatch, "--help"])[1]
    block = out.split("verbs:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in block.splitlines() if line.strip()]


def parse_items(column):
    """'-o, --output OUT' -> {'-o': 'OUT', '--output': 'OUT'}: a short
    option written before a long one takes the long one's metavar."""
    items = [i.strip().split(None, 1) for i in column.split(", ")]
    opts = {}
    for k, item in enumerate(items):
        meta = item[1] if len(item) > 1 else ""
        if not meta and re.fullmatch(r"-\w", item[0]) and k + 1 < len(items):
            nxt = items[k + 1]
            meta = nxt[1] if len(nxt) > 1 else ""
        opts[item[0]] = meta
    return opts


def help_options(text):
    """Options of a --help text: the lines that start '  -', up to the two
    spaces before the description."""
    opts = {}
    for line in text.splitlines():
        m = re.match(r"  (-\S.*?)(?:\s{2,}|$)", line)
        if m:
            opts.update(parse_items(m.group(1)))
    return opts


def verb_help(dubbatch, verb):
    return help_options(run([dubbatch, verb, "--help"])[1])


def readme_options(text, known):
    """{verb: {option: metavar}} from README.md, and the problems found."""
    found, problems = {}, []
    heading = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("#"):
            m = re.match(r"#+ `dubbatch (\w+)` options\s*$", line)
            heading = m.group(1) if m else None
        if re.match(r"\|\s*option\s*\|\s*meaning\s*\|", line):
            if not heading:
                problems.append("README.md:%d: an option table under no "
                                "'### `dubbatch VERB` options' heading" % (i + 1))
                continue
            table = found.setdefault(heading, {})
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                first = re.split(r"(?<!\\)\|", row)[1]
                for span in re.findall(r"`([^`]*)`", first):
                    if span.startswith("-"):
                        table.update(parse_items(span.replace("\\|", "|")))
    m = re.search(r"^Common options(.*?)(?:\n\n|\Z)", text, re.S | re.M)
    if not m:
        problems.append("README.md has no 'Common options' paragraph")
        return found, problems
    head, _, tail = m.group(1).partition(":")
    common = {}
    for span in re.findall(r"`([^`]*)`", tail):
        if span.startswith("-"):
            common.update(parse_items(span))
    for verb in re.findall(r"`(\w+)`", head):
        if verb not in known:
            problems.append("README.md: Common options name '%s', which "
                            "is no verb" % verb)
        found.setdefault(verb, {}).update(common)
    return found, problems


def source_options(path):
    """Long options of the struct option tables and letters of the
    getopt_long option strings in one C file."""
    src = open(path).read()
    opts = set()
    for table in re.findall(r"struct option \w+\[\] = \{(.*?)\n\s*\};",
                            src, re.S):
        opts.update("--" + n for n in re.findall(r'\{"([\w-]+)",', table))
    for letters in re.findall(r'getopt_long\([^,]+,[^,]+,\s*"([^"]*)"', src):
        opts.update("-" + c for c in letters.replace(":", ""))
    return opts


class Checks:
    def __init__(self):
        self.failed = 0

    def check(self, ok, name, *why):
        print(("PASS " if ok else "FAIL ") + name)
        if not ok:
            self.failed += 1
            for line in why:
                print("  " + line)


def accepted(dubbatch, verb, opt, meta, tmp):
    """The option, with a valid value, changes nothing about how the verb
    ends on an argument that does not exist: it was parsed, not refused."""
    none = os.path.join(tmp, "none")
    base = {"probe": [none + ".mp4"],
            "conform": [none + ".mp4", "-o", os.path.join(tmp, "x.mp4")],
            "init": [none, none + "2"]}
    args = base.get(verb, [none + ".yaml"])
    value = [] if not meta else [os.path.join(tmp, SAMPLES[meta])
                                 if meta in ("F", "OUT", "FILE")
                                 else SAMPLES.get(meta, "1")]
    want = run([dubbatch, verb] + args)
    got = run([dubbatch, verb, opt] + value + args)
    ok = got[0] == want[0] and got[2] == want[2] and "usage:" not in got[2]
    return ok, ["%s %s %s: exit %d, stderr %r" % (verb, opt, " ".join(value),
                                                  got[0], got[2][:300]),
                "without it: exit %d, stderr %r" % (want[0], want[2][:300])]


def readme_check(dubbatch, top, tmp):
    c = Checks()
    known = verbs(dubbatch)
    readme, problems = readme_options(open(os.path.join(top, "README.md")).read(),
                                      known)
    c.check(not problems, "README: every option table belongs to a verb",
            *problems)
    for verb in sorted(readme):
        c.check(verb in known, "README: '%s' is a verb of dubbatch" % verb)
    for verb in known:
        helped = verb_help(dubbatch, verb)
        documented = readme.get(verb, {})
        for opt, meta in sorted(documented.items()):
            c.check(helped.get(opt) == meta,
                    "README %s %s %s: in '%s --help' alike" %
                    (verb, opt, meta, verb),
                    "--help has: %s" % ", ".join(
                        "%s %s" % kv for kv in sorted(helped.items())))
            ok, why = accepted(dubbatch, verb, opt, meta, tmp)
            c.check(ok, "README %s %s: accepted by the parser" % (verb, opt),
                    *why)
        missing = sorted(set(helped) - set(documented) - HELP)
        c.check(not missing, "%s --help: every option is in README.md" % verb,
                "not in README.md: %s" % " ".join(missing))
        src = os.path.join(top, "pipeline", "cmd_%s.c" % verb)
        if os.path.exists(src):
            hidden = sorted(source_options(src) - set(helped) - HELP)
            c.check(not hidden,
                    "cmd_%s.c: every option it parses is in --help" % verb,
                    "parsed but not in --help: %s" % " ".join(hidden))
    return c.failed


def man_sections(text):
    """{heading: body} of a page rendered by man: sections start in column
    0, subsections ("dubbatch VERB ...") in column 3."""
    sections, name = {}, None
    for line in text.splitlines():
        m = re.match(r"(?:([A-Z][A-Z ]+)|   (\S.*))$", line)
        if m:
            name = (m.group(1) or m.group(2)).strip()
            sections[name] = []
        elif name:
            sections[name].append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def manifest_keys(readme):
    """The keys of README.md's manifest table (| key | where | meaning |)."""
    keys, inside = [], False
    for line in readme.splitlines():
        if re.match(r"\|\s*key\s*\|\s*where\s*\|", line):
            inside = True
        elif inside and line.startswith("|"):
            m = re.match(r"\|\s*`(\w+)`", line)
            if m:
                keys.append(m.group(1))
        elif inside:
            break
    return keys


def man_check(dubbatch, top, rendered):
    c = Checks()
    text = open(rendered).read()
    sections = man_sections(text)
    version = run([dubbatch, "--version"])[1].split()[-1]
    c.check(re.search(r"^dubbatch %s\s" % re.escape(version), text, re.M),
            "man: the page is for dubbatch %s" % version)
    for verb in verbs(dubbatch):
        heads = [h for h in sections if h.split()[:2] == ["dubbatch", verb]]
        c.check(len(heads) == 1, "man: a section for '%s'" % verb,
                "subsections: %s" % ", ".join(sections))
        body = sections[heads[0]] if heads else ""
        for opt in sorted(verb_help(dubbatch, verb)):
            c.check(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), body),
                    "man: %s %s is described under %s" % (verb, opt, verb))
    codes = re.findall(r"^       ([0-9])\s", sections.get("EXIT STATUS", ""),
                       re.M)
    c.check(codes == list("012345"), "man: exit codes 0 to 5",
            "found: %s" % codes)
    body = sections.get("MANIFEST", "")
    keys = manifest_keys(open(os.path.join(top, "README.md")).read())
    c.check(len(keys) > 10, "README.md: the manifest's keys are found")
    for key in keys:
        c.check(re.search(r"^       %s\b" % key, body, re.M),
                "man: the manifest key '%s'" % key)
    return c.failed


def main(argv):
    if argv[1] == "verbs":
        print("\n".join(verbs(argv[2])))
    elif argv[1] == "help":
        for opt, meta in sorted(verb_help(argv[2], argv[3]).items()):
            print(opt)
    elif argv[1] == "readme-check":
        readme_check(argv[2], argv[3], argv[4])
    elif argv[1] == "man-check":
        man_check(argv[2], argv[3], argv[4])
    else:
        sys.exit("usage: cli_options.py verbs|help|readme-check|man-check ...")


if __name__ == "__main__":
    main(sys.argv)
