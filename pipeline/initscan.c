/*
 * init: the folders read.  Each CLIPS_DIR or DUBS_DIR file that is a clip
 * or a dub becomes a struct init_file, and each one that is not (a folder,
 * a name that is not UTF-8 or not media, two files of one name) a line of
 * what was not paired.  cmd_init.c pairs them and writes the manifest.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "initint.h"
#include "schema.h"

/* Containers a clip comes in, and a dub (a mix may come as a video). */
static const char *const init_video_ext[] = {
    "mp4", "mov", "m4v", "mkv", "mxf", "avi", "webm", "mpg", "mpeg", "ts",
    "mts", "m2ts", "wmv", "flv", "3gp",
};
static const char *const init_audio_ext[] = {
    "wav", "mp3", "m4a", "aac", "ogg", "oga", "opus", "flac", "aif", "aiff",
    "wma",
};

static int init_ext_in(const char *path, const char *const *exts, size_t n)
{
    char ext[8];
    size_t i;

    util_ext(path, ext, sizeof(ext));
    for (i = 0; i < n; i++)
        if (strcmp(ext, exts[i]) == 0)
            return 1;
    return 0;
}

/* target as seen from the folder base (both absolute and clean). */
char *init_relative(const char *base, const char *target)
{
    struct buf out = {0};
    size_t k = 0, keep = 0;
    const char *p;

    if (strcmp(base, "/") == 0)
        return xstrdup(target);
    for (;; k++) {
        if ((base[k] == '/' || !base[k]) && (target[k] == '/' || !target[k]))
            keep = k;
        if (base[k] != target[k] || !base[k])
            break;
    }
    if (keep == 0)
        return xstrdup(target);
    for (p = base + keep; *p; p++)
        if (*p == '/')
            buf_puts(&out, "../");
    buf_puts(&out, target[keep] ? target + keep + 1 : ".");
    return buf_detach(&out);
}

void init_unpaired(struct init *in, const char *path, const char *why)
{
    char *rel = init_relative(in->base, path);

    buf_put_clean(&in->unpaired, rel);
    buf_printf(&in->unpaired, ": %s\n", why);
    in->nunpaired++;
    free(rel);
}

static int init_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files by name as compared (then as written), so equals are neighbours. */
static int init_cmp_key(const void *a, const void *b)
{
    const struct init_file *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c ? c : strcmp(x->path, y->path);
}

/* The names in dir, sorted, without hidden ones; NULL when unreadable. */
static char **init_names(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t cap = 0;

    *n = 0;
    if (!d)
        return NULL;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[(*n)++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (!names)
        names = xcalloc(1, sizeof(*names));
    qsort(names, *n, sizeof(*names), init_cmp);
    return names;
}

static void init_free_names(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The media files of one folder into list; what is not media is listed. */
int init_scan(struct init *in, const char *dir, int dubs,
              struct init_list *list)
{
    size_t n, i, j;
    char **names = init_names(dir, &n);

    if (!names) {
        fprintf(stderr, "dubbatch: cannot read the folder '%s'\n", dir);
        return -1;
    }
    for (i = 0; i < n; i++) {
        char *joined = util_path_join(dir, names[i]), *path, *p;
        struct init_file *f;
        struct stat st;

        path = util_path_abs(joined);
        free(joined);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            init_unpaired(in, path, "a folder (init looks at files only)");
        } else if (util_utf8_len(names[i]) < 0) {
            init_unpaired(in, path, "its name is not UTF-8");
        } else if (!init_ext_in(path, init_video_ext,
                                DUB_ARRAY_LEN(init_video_ext)) &&
                   (!dubs || !init_ext_in(path, init_audio_ext,
                                          DUB_ARRAY_LEN(init_audio_ext)))) {
            init_unpaired(in, path, dubs ? "not a media file name"
                                         : "not a video file name");
        } else {
            if (list->n == list->cap) {
                list->cap = list->cap ? list->cap * 2 : 64;
                list->f = xrealloc(list->f, list->cap * sizeof(*list->f));
            }
            f = &list->f[list->n++];
            f->path = path;
            f->key = util_stem(path);
            f->id = util_stem(path);
            schema_id_safe(f->id);
            f->used = 0;
            for (p = f->key; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p - 'A' + 'a');
            path = NULL;
        }
        free(path);
    }
    init_free_names(names, n);
    if (list->n)
        qsort(list->f, list->n, sizeof(*list->f), init_cmp_key);
    /* Two files of one name would be a guess: neither is used. */
    for (i = 0; i < list->n; i++)
        for (j = i + 1; j < list->n && strcmp(list->f[i].key,
                                              list->f[j].key) == 0; j++)
            list->f[i].used = list->f[j].used = -1;
    return 0;
}

static void init_lang(struct init *in, const char *dir)
{
    char *name = util_path_clean(dir), *slash = strrchr(name, '/');

    in->langs = xrealloc(in->langs, (in->nlangs + 1) * sizeof(*in->langs));
    in->dubs = xrealloc(in->dubs, (in->nlangs + 1) * sizeof(*in->dubs));
    in->langs[in->nlangs] = xstrdup(slash ? slash + 1 : name);
    schema_id_safe(in->langs[in->nlangs]);
    memset(&in->dubs[in->nlangs], 0, sizeof(in->dubs[0]));
    in->nlangs++;
    free(name);
}

/* A DUBS_DIR is a language folder, or a folder of them when it holds no
 * files. */
int init_dubs(struct init *in, const char *dir)
{
    size_t n, i, files = 0;
    char **names = init_names(dir, &n);
    int rc = 0;

    if (!names) {
        fprintf(stderr, "dubbatch: cannot read the folder '%s'\n", dir);
        return -1;
    }
    for (i = 0; i < n; i++) {
        char *path = util_path_join(dir, names[i]);
        struct stat st;

        files += stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
        free(path);
    }
    for (i = 0; i < n && !files && rc == 0; i++) {
        char *path = util_path_join(dir, names[i]);

        init_lang(in, path);
        rc = init_scan(in, path, 1, &in->dubs[in->nlangs - 1]);
        free(path);
    }
    if (files || !n) {
        init_lang(in, dir);
        rc = init_scan(in, dir, 1, &in->dubs[in->nlangs - 1]);
    }
    init_free_names(names, n);
    return rc;
}
