/*
 * outdir: the rule of outdir.h: folders made absolute and clean, links
 * followed as far as the folders exist, then compared.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "outdir.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* An absolute clean path with the links of its existing part followed. */
static char *outdir_real(const char *path)
{
    char *head = xstrdup(path), *real, *out;
    const char *rest = "";

    while (!(real = realpath(head, NULL))) {
        char *slash = strrchr(head, '/');

        if (!slash || (slash == head && !head[1])) {
            free(head);
            return xstrdup(path);
        }
        rest = path + (slash - head) + 1;
        slash[slash == head] = '\0';
    }
    out = *rest ? util_path_join(real, rest) : xstrdup(real);
    free(real);
    free(head);
    return out;
}

static char *outdir_home(void)
{
    const char *home = getenv("HOME");
    struct passwd *pw;

    if (!home || home[0] != '/') {
        pw = getpwuid(getuid());
        home = pw && pw->pw_dir ? pw->pw_dir : NULL;
    }
    return home && home[0] == '/' ? util_path_clean(home) : NULL;
}

/* 1 when path is dir or inside it (both absolute and clean). */
static int outdir_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);

    if (strcmp(dir, "/") == 0)
        return 1;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int outdir_system(const char *path, char *why, size_t len)
{
    static const char *const top[] = {
        "/etc", "/usr",  "/bin", "/sbin", "/lib", "/lib32", "/lib64",
        "/libx32", "/boot", "/dev", "/proc", "/sys", "/run", "/var",
    };
    char *home = outdir_home();
    size_t i;
    int hit = 1;

    for (i = 0; i < DUB_ARRAY_LEN(top); i++)
        if (outdir_within(path, top[i]) &&
            !(i + 1 == DUB_ARRAY_LEN(top) && outdir_within(path, "/var/tmp")))
            break;
    if (strcmp(path, "/") == 0)
        snprintf(why, len, "is the root folder");
    else if (i < DUB_ARRAY_LEN(top))
        snprintf(why, len, "is in a system folder (%s)", top[i]);
    else if (home && strcmp(path, home) == 0)
        snprintf(why, len, "is your home folder itself");
    else if (home && outdir_within(home, path))
        snprintf(why, len, "holds your home folder");
    else
        hit = 0;
    free(home);
    return hit;
}

char *outdir_tree(const char *manifest_dir, char *const *inputs, size_t n)
{
    char *mdir = util_path_abs(manifest_dir), *common = xstrdup(mdir), *real;
    char why[160];
    size_t i;

    for (i = 0; i < n; i++) {
        char *dir = util_dirname(inputs[i]);
        char *abs = util_path_abs(dir);
        size_t k, keep = 1;

        /* The longest run of whole names the two share. */
        for (k = 0;; k++) {
            int ea = common[k] == '/' || !common[k];
            int eb = abs[k] == '/' || !abs[k];

            if (ea && eb && k > 0)
                keep = k;
            if (common[k] != abs[k] || !common[k])
                break;
        }
        common[keep] = '\0';
        free(abs);
        free(dir);
    }
    if (outdir_system(common, why, sizeof(why))) {
        free(common);
        common = xstrdup(mdir);
    }
    real = outdir_real(common);
    free(common);
    free(mdir);
    return real;
}

int outdir_check(const char *out, const char *tree, char *why, size_t len)
{
    char *abs = util_path_abs(out), *real = outdir_real(abs);
    char sys[160];
    int rc = -1;

    if (outdir_system(abs, why, len))
        rc = -1;
    else if (outdir_system(real, sys, sizeof(sys)))
        snprintf(why, len, "leads to '%s', which %s", real, sys);
    else if (!outdir_within(real, tree))
        snprintf(why, len, "is outside the batch's folder '%s'", tree);
    else
        rc = 0;
    free(real);
    free(abs);
    return rc;
}
