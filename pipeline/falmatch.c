/*
 * fal: is this input ours?  Inputs compared after normalisation, for
 * reconciling a lost submit reply and for a lost state database.
 */
#define _POSIX_C_SOURCE 200809L
#include "falint.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
struct fal_member {
    const cJSON *item;
    int pos;
};

/* By key, and of equal keys (JSON allows them) the first first. */
static int fal_member_cmp(const void *a, const void *b)
{
    const struct fal_member *x = a, *y = b;
    int c = strcmp(x->item->string, y->item->string);

    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* A copy of j with every object's keys sorted, so equal inputs print the
 * same whatever order fal stored them in.  Sorted, not picked one by one:
 * a listing is untrusted, and an input of a few thousand keys would cost
 * minutes of the one thread. */
static cJSON *fal_canonical(const cJSON *j)
{
    struct fal_member *m;
    cJSON *out, *it;
    int n = 0, i;

    if (cJSON_IsArray(j)) {
        out = cJSON_CreateArray();
        cJSON_ArrayForEach(it, j)
            cJSON_AddItemToArray(out, fal_canonical(it));
        return out;
    }
    if (!cJSON_IsObject(j))
        return cJSON_Duplicate(j, 1);
    m = xcalloc((size_t)cJSON_GetArraySize(j) + 1, sizeof(*m));
    cJSON_ArrayForEach(it, j) {
        m[n].item = it;
        m[n].pos = n;
        n++;
    }
    qsort(m, (size_t)n, sizeof(*m), fal_member_cmp);
    out = cJSON_CreateObject();
    /* Of repeated keys the first counts, as cJSON's lookups find it. */
    for (i = 0; i < n; i++)
        if (i == 0 || strcmp(m[i].item->string, m[i - 1].item->string) != 0)
            cJSON_AddItemToObject(out, m[i].item->string,
                                  fal_canonical(m[i].item));
    free(m);
    return out;
}

char *fal_canonical_text(const cJSON *j)
{
    return fal_print(fal_canonical(j));
}

int fal_input_equal(const char *a, const char *b)
{
    cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
    char *cx, *cy;
    int eq;

    if (!x || !y) {
        cJSON_Delete(x);
        cJSON_Delete(y);
        return 0;
    }
    cx = fal_canonical_text(x);
    cy = fal_canonical_text(y);
    eq = strcmp(cx, cy) == 0;
    free(cx);
    free(cy);
    cJSON_Delete(x);
    cJSON_Delete(y);
    return eq;
}

int fal_input_matches(const char *ours, const char *listed)
{
    cJSON *x = cJSON_Parse(ours), *y = cJSON_Parse(listed);
    const cJSON *it, *fields;
    int eq = cJSON_IsObject(x) && cJSON_IsObject(y) &&
             cJSON_GetArraySize(x) > 0;

    fields = eq ? x : NULL;
    cJSON_ArrayForEach(it, fields) {
        const cJSON *other = cJSON_GetObjectItemCaseSensitive(y, it->string);
        char *a, *b;

        if (!other) {
            eq = 0;
            break;
        }
        a = fal_canonical_text(it);
        b = fal_canonical_text(other);
        eq = strcmp(a, b) == 0;
        free(a);
        free(b);
        if (!eq)
            break;
    }
    cJSON_Delete(x);
    cJSON_Delete(y);
    return eq;
}

char *fal_input_files_key(const char *json)
{
    cJSON *o = cJSON_Parse(json), *it;
    char *key;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_ArrayForEach(it, o) {
        size_t n = strlen(it->string);
        const char *v, *slash, *end;
        char *name;

        if (n < 4 || strcmp(it->string + n - 4, "_url") != 0 ||
            !cJSON_IsString(it))
            continue;
        v = it->valuestring;
        end = v + strcspn(v, "?#");
        for (slash = end; slash > v && slash[-1] != '/'; slash--)
            ;
        name = xstrndup(slash, (size_t)(end - slash));
        cJSON_SetValuestring(it, name);
        free(name);
    }
    key = fal_canonical_text(o);
    cJSON_Delete(o);
    return key;
}
