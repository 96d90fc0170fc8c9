#!/bin/sh
# House rules a compiler does not check (style.md section 7, design.md
# section 1): banned functions, and each external library included by its
# one module only.  Prints one line per violation; exits 1 on any.
set -u
cd "$(dirname "$0")/.." || exit 2
bad=0
say() { echo "checksrc: $*"; bad=1; }

src=$(ls pipeline/*.c pipeline/*.h probe/*.c probe/*.h tests/unit/*.c tests/tools/*.c \
    tests/fuzz/*.c tests/fuzz/*.h 2>/dev/null)

for f in $src; do
    # Comment lines (" * ...", "/* ...") may name anything.
    if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)\s*\(' "$f" \
        | grep -vE '^[0-9]+:\s*(/\*|\*)'; then
        say "$f uses a banned function (see above)"
    fi
done

# allowed FILE-GLOB for each library header
only() {
    hdr=$1 allowed=$2
    for f in $(grep -l "#include <$hdr" $src 2>/dev/null); do
        case " $allowed " in *" $f "*) ;; *) say "$f includes <$hdr>, which belongs to $allowed" ;; esac
    done
}
# The http module is several files, as fal is: http.c (the transfers),
# httpurl.c (which URLs, and the key's origins) and httpint.h; httphdr.c
# (the reply headers) needs no libcurl.
only curl/ "pipeline/http.c pipeline/httpurl.c pipeline/httpint.h"
only sqlite3.h "pipeline/state.c pipeline/statejob.c pipeline/stateint.h"
only yaml.h "pipeline/yamltree.c"
# JSON is fal's protocol, the reports, the worker protocol (design.md
# section 1) and the manifest's JSON Schema; every other module speaks C
# structs.
only cjson/ "pipeline/fal.c pipeline/falreply.c pipeline/falmatch.c pipeline/falpolicy.c pipeline/report.c pipeline/reportfile.c pipeline/page.c pipeline/pagehtml.c pipeline/wire.c pipeline/wiretask.c pipeline/schemadoc.c"
for f in $(grep -l '#include <lib\(avformat\|avcodec\|avfilter\|avutil\|swscale\|swresample\)/' $src 2>/dev/null); do
    case "$f" in probe/*) ;; *) say "$f includes a libav header; only probe/ may" ;; esac
done
exit $bad
