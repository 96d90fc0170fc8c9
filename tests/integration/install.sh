# make install into a DESTDIR, as a Unix tool: the man page read with
# man -l (every verb, every option of each verb's --help, the exit codes,
# the manifest keys), bash and zsh completion asked for real, the schema,
# and the installed binary running the demo batch with its worker found in
# libexec; then make uninstall.
. "$TOP/tests/lib.sh"

OPTS="$TOP/tests/cli_options.py"
if ! command -v man >/dev/null || ! command -v zsh >/dev/null; then
    sh "$TOP/scripts/deps.sh" >"$T/deps.log" 2>&1 || true
fi

D="$T/dest"
PREFIX=/opt/dub
R="$D$PREFIX"
BIN="$R/bin/dubbatch"
if make -C "$TOP" -s install DESTDIR="$D" PREFIX="$PREFIX" BUILD="$BUILD" >"$T/install.log" 2>&1; then
    pass "make install into a DESTDIR"
else
    fail "make install into a DESTDIR" "$(tail -5 "$T/install.log")"
fi
for f in bin/dubbatch libexec/dubbatch/dubbatch-media share/man/man1/dubbatch.1 \
         share/dubbatch/schema.json share/dubbatch/example.yaml \
         share/bash-completion/completions/dubbatch share/zsh/site-functions/_dubbatch; do
    [ -f "$R/$f" ] && pass "installed: $f" || fail "installed: $f" "$(cd "$D" && find . -type f)"
done
[ -x "$BIN" ] && [ -x "$R/libexec/dubbatch/dubbatch-media" ] && pass "the programs are executable" ||
    fail "the programs are executable"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$R/share/dubbatch/schema.json" &&
    pass "the installed schema is JSON" || fail "the installed schema is JSON"

# The man page, as man reads it.
if command -v man >/dev/null; then
    MANWIDTH=100 man --warnings -l "$R/share/man/man1/dubbatch.1" >"$T/man.txt" 2>"$T/man.err"
    rc=$?
    [ $rc -eq 0 ] && [ -s "$T/man.txt" ] && [ ! -s "$T/man.err" ] &&
        pass "man -l renders the page without warnings" ||
        fail "man -l renders the page without warnings" "exit $rc" "$(head -5 "$T/man.err")"
    python3 "$OPTS" man-check "$BIN" "$TOP" "$T/man.txt"
    MANPATH="$R/share/man" man dubbatch >"$T/man2.txt" 2>&1
    contains "man dubbatch finds the installed page" "$T/man2.txt" "dubbatch - lip-sync dubbed audio"
else
    skip "man page" "man is not installed (scripts/deps.sh installs man-db)"
fi

# bash completion, asked as bash asks it.
cat >"$T/bcomp.sh" <<'EOF'
. "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_dubbatch
printf '%s\n' "${COMPREPLY[@]}" | sort -u
EOF
bcomp() { bash "$T/bcomp.sh" "$R/share/bash-completion/completions/dubbatch" "$BIN" "$@"; }
verbs=$(python3 "$OPTS" verbs "$BIN")
bcomp "" >"$T/got"
printf '%s\n' $verbs help --help --version | sort -u >"$T/want"
cmp -s "$T/got" "$T/want" && pass "bash completes the verbs" ||
    fail "bash completes the verbs" "got: $(tr '\n' ' ' <"$T/got")" "want: $(tr '\n' ' ' <"$T/want")"
for v in $verbs; do
    bcomp "$v" "-" >"$T/got"
    { python3 "$OPTS" help "$BIN" "$v"; printf '%s\n' -h --help; } | sort -u >"$T/want"
    cmp -s "$T/got" "$T/want" && pass "bash completes the options of $v" ||
        fail "bash completes the options of $v" "got: $(tr '\n' ' ' <"$T/got")" "want: $(tr '\n' ' ' <"$T/want")"
done
bcomp run --log-format "" >"$T/got"
[ "$(tr '\n' ' ' <"$T/got")" = "json text " ] && pass "bash completes an option's values" ||
    fail "bash completes an option's values" "got: $(cat "$T/got")"
bcomp help "con" >"$T/got"
[ "$(tr '\n' ' ' <"$T/got")" = "conform " ] && pass "bash completes help VERB" ||
    fail "bash completes help VERB" "got: $(cat "$T/got")"

# zsh completion, asked through a real interactive zsh on a pseudo-terminal;
# every match offered is recorded by a compadd that wraps the builtin.
cat >"$T/zcomp.zsh" <<'EOF'
zmodload zsh/zpty
dir=$1 out=$2 line=$3
: >$out
zpty z zsh -f -i
zpty -w z "fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -d $out.dump"
zpty -w z "compadd() { local -a h; builtin compadd -A h \"\$@\"; print -rl -- \$h >>$out; builtin compadd \"\$@\" }"
zpty -wn z "$line"$'\t'
for i in {1..100}; do [[ -s $out ]] && break; sleep 0.1; done
sleep 0.5
zpty -d z
EOF
zcomp() {
    PATH="$R/bin:$PATH" zsh -f "$T/zcomp.zsh" "$R/share/zsh/site-functions" "$T/zout" "$1"
    grep -v '^$' "$T/zout" | sort -u
}
if command -v zsh >/dev/null; then
    zcomp "dubbatch " >"$T/got"
    printf '%s\n' $verbs | sort -u >"$T/want"
    cmp -s "$T/got" "$T/want" && pass "zsh completes the verbs" ||
        fail "zsh completes the verbs" "got: $(tr '\n' ' ' <"$T/got")" "want: $(tr '\n' ' ' <"$T/want")"
    for v in $verbs; do
        zcomp "dubbatch $v --" >"$T/got"
        { python3 "$OPTS" help "$BIN" "$v" | grep -- '^--'; echo --help; } | sort -u >"$T/want"
        cmp -s "$T/got" "$T/want" && pass "zsh completes the options of $v" ||
            fail "zsh completes the options of $v" "got: $(tr '\n' ' ' <"$T/got")" "want: $(tr '\n' ' ' <"$T/want")"
    done
    zcomp "dubbatch conform --as " >"$T/got"
    [ "$(tr '\n' ' ' <"$T/got")" = "audio video " ] && pass "zsh completes an option's values" ||
        fail "zsh completes an option's values" "got: $(cat "$T/got")"
else
    skip "zsh completion" "zsh is not installed (scripts/deps.sh installs it)"
fi

# The installed binary on the demo batch, against the fake fal server, as
# scripts/demo.sh runs it, with the output in a temporary folder.
mkdir -p "$T/demo"
sed -e "s|^output_dir: .*|output_dir: $T/demo/out|" -e "s|\.\./tests/fixtures/media|$FIX|" \
    "$TOP/manifests/demo.yaml" >"$T/demo/demo.yaml"
fakefal_start --job-seconds 0.5 --output copy
export FAL_KEY="demo-key-id:demo-key-secret"
export FAL_QUEUE_URL="$FAKE_URL" FAL_REST_URL="$FAKE_URL" FAL_API_URL="$FAKE_URL"
expect_exit "the installed binary runs the demo (exit 1: one input is rejected on purpose)" 1 \
    "$BIN" run --poll-interval 0.1 "$T/demo/demo.yaml"
json_true "the installed binary: five jobs done, one rejected" "$T/demo/out/report.json" \
    "sorted(x['state'] for x in d['jobs']) == ['DONE'] * 5 + ['REJECTED'] and j['not-a-video']['state'] == 'REJECTED'"
for id in fits-as-is phone-portrait uhd-too-long tiny-and-short mkv-remux; do
    [ -s "$T/demo/out/$id.mp4" ] && pass "the installed binary: $id.mp4" || fail "the installed binary: $id.mp4"
done
expect_exit "the installed binary: status" 1 "$BIN" status "$T/demo/demo.yaml"
contains "the installed binary: status counts" "$T/out" "DONE        5"
[ -s "$T/demo/out/index.html" ] && pass "the installed binary: the contact sheet" ||
    fail "the installed binary: the contact sheet"

# Its media worker is the one in libexec: without it, probing fails.
expect_exit "the installed binary probes through libexec/dubbatch" 0 "$BIN" probe "$FIX/speech.mp3"
mv "$R/libexec/dubbatch" "$R/libexec/moved"
expect_exit "without libexec/dubbatch it cannot probe" 1 "$BIN" probe "$FIX/speech.mp3"
mv "$R/libexec/moved" "$R/libexec/dubbatch"

if make -C "$TOP" -s uninstall DESTDIR="$D" PREFIX="$PREFIX" >"$T/uninstall.log" 2>&1; then
    left=$(cd "$D" && find . -type f)
    [ -z "$left" ] && pass "make uninstall removes every file" || fail "make uninstall removes every file" "$left"
else
    fail "make uninstall" "$(tail -5 "$T/uninstall.log")"
fi
