/*
 * dubbatch schema [--markdown]: the manifest's rules as a JSON Schema
 * (what manifests/schema.json holds), or as the README's table of keys.
 * Both are printed from the table manifests are checked by (schema.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "schema.h"

int cmd_schema(int argc, char **argv)
{
    struct buf md = {0};
    char *json;
    int help = argc == 2 && (strcmp(argv[1], "--help") == 0 ||
                             strcmp(argv[1], "-h") == 0);

    if (argc > 2 || (argc == 2 && strcmp(argv[1], "--markdown") != 0)) {
        fprintf(help ? stdout : stderr,
                "usage: dubbatch schema [--markdown]\n"
                "Prints the JSON Schema of a manifest (manifests/schema.json"
                "), or with\n--markdown the table of manifest keys.\n");
        return help ? EXIT_DONE : EXIT_USAGE;
    }
    if (argc == 2) {
        schema_markdown(&md);
        fputs(md.data, stdout);
        buf_release(&md);
    } else {
        json = schema_json();
        fputs(json, stdout);
        free(json);
    }
    return opts_close_stdout() < 0 ? EXIT_USAGE : EXIT_DONE;
}
