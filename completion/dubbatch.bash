# bash completion for dubbatch.  The verbs and each verb's options are read
# from the program's own help (`dubbatch --help`, `dubbatch VERB --help`:
# one option a line, "  -o, --output OUT   what it does"), so they are
# never out of date with the binary being completed.

# _dubbatch_options PROG VERB: "name metavar" per option of VERB ("-" for
# none); "-o, --output OUT" gives both names the metavar.
_dubbatch_options()
{
    "$1" "$2" --help 2>/dev/null | sed -n 's/^  \(-[^ ].*\)$/\1/p' |
        sed 's/   *[^ ].*$//; s/  *$//' | awk -F', ' '{
            meta = "-"
            for (i = 1; i <= NF; i++)
                if (split($i, w, " ") > 1) meta = substr($i, length(w[1]) + 2)
            for (i = 1; i <= NF; i++) { split($i, w, " "); print w[1], meta }
        }'
}

_dubbatch()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local prog=${COMP_WORDS[0]} verb=${COMP_WORDS[1]} verbs opts meta
    COMPREPLY=()
    verbs=$("$prog" --help 2>/dev/null |
        sed -n '/^verbs:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$verbs help --help --version" -- "$cur"))
        return
    fi
    if [ "$verb" = help ]; then
        [ "$COMP_CWORD" -eq 2 ] &&
            COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        return
    fi
    opts=$(_dubbatch_options "$prog" "$verb")
    # The word after an option that takes a value is that value.
    meta=$(printf '%s\n' "$opts" | awk -v p="$prev" '$1 == p { print $2 }')
    case $meta in
    "" | -) ;;
    *"|"*)
        COMPREPLY=($(compgen -W "${meta//|/ }" -- "$cur"))
        return
        ;;
    F | OUT | FILE)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    E)
        COMPREPLY=($(compgen -W "audio-to-video text-to-video" -- "$cur"))
        return
        ;;
    *)
        return
        ;;
    esac
    if [ "${cur#-}" != "$cur" ]; then
        COMPREPLY=($(compgen -W "$(printf '%s\n' "$opts" | cut -d' ' -f1) -h --help" -- "$cur"))
        return
    fi
    compopt -o filenames 2>/dev/null
    case $verb in
    run | validate | status | cancel | report)
        COMPREPLY=($(compgen -d -- "$cur"; compgen -f -X '!*.y*ml' -- "$cur"))
        ;;
    *)
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    esac
}
complete -F _dubbatch dubbatch
