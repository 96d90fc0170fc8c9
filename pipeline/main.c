/*
 * dubbatch: batch lip-sync of dubbed audio onto video through Kling LipSync
 * on fal.ai.  main() picks the verb; each verb lives in cmd_<verb>.c so the
 * verbs can grow without this file becoming the whole program.  (design.md
 * puts the verbs in main.c; one file per verb keeps each short and lets them
 * be read and changed alone.)
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"


struct verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct verb verbs[] = {
    {"run", cmd_run, "run a batch: conform, submit to fal, download, report"},
    {"status", cmd_status, "counts per state and the jobs needing attention"},
    {"cancel", cmd_cancel, "cancel the jobs in flight at fal"},
    {"report", cmd_report, "rebuild index.html, the batch's contact sheet"},
    {"validate", cmd_validate,
     "probe and plan every job of a manifest; spend nothing"},
    {"probe", cmd_probe, "print the media facts of files as JSON"},
    {"conform", cmd_conform, "make one file fit the model's limits"},
    {"doctor", cmd_doctor, "check the key, fal's hosts, the worker, the disk"},
    {"init", cmd_init, "write a manifest pairing clips and dubs by name"},
    {"schema", cmd_schema, "print the manifest's JSON Schema"},
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: dubbatch VERB [OPTIONS] ...\n\nverbs:\n");
    for (i = 0; i < DUB_ARRAY_LEN(verbs); i++)
        fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(f, "\n'dubbatch help VERB' (or 'dubbatch VERB --help') describes "
               "a verb's options;\n'man dubbatch' describes them all.\n"
               "exit codes: 0 all done, 1 some jobs failed or were rejected, "
               "2 usage error,\n3 invalid manifest, 4 interrupted "
               "(resumable), 5 output folder locked\n");
}

static const struct verb *verb_find(const char *name)
{
    size_t i;

    for (i = 0; i < DUB_ARRAY_LEN(verbs); i++)
        if (strcmp(name, verbs[i].name) == 0)
            return &verbs[i];
    fprintf(stderr, "dubbatch: unknown verb '%s'\n", name);
    usage(stderr);
    return NULL;
}

/* dubbatch help [VERB]: a verb's help is whatever its own --help says. */
static int help(int argc, char **argv)
{
    static char flag[] = "--help";
    char *args[3];
    const struct verb *v;

    if (argc < 3) {
        usage(stdout);
        return EXIT_DONE;
    }
    if (argc > 3) {
        fprintf(stderr, "usage: dubbatch help [VERB]\n");
        return EXIT_USAGE;
    }
    v = verb_find(argv[2]);
    if (!v)
        return EXIT_USAGE;
    args[0] = argv[2];
    args[1] = flag;
    args[2] = NULL;
    return v->run(2, args);
}

int main(int argc, char **argv)
{
    const struct verb *v;

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("dubbatch %s\n", DUBBATCH_VERSION);
        return EXIT_DONE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return help(argc, argv);
    v = verb_find(argv[1]);
    if (!v)
        return EXIT_USAGE;
    return v->run(argc - 1, argv + 1);
}
