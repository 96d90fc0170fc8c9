/*
 * schema: the manifest's rules, in one table.
 *
 * Every key a manifest may hold: where it goes, its type, its limits or
 * words, its default, what it means and where it is stored.  manifest.c
 * checks manifests (YAML and CSV) by this table and takes its defaults from
 * it; `dubbatch schema` prints it as the JSON Schema in
 * manifests/schema.json and as the README's table of keys.  Limits the
 * model sets (text length, voice speed, sizes, durations) come from plan.c's
 * endpoint table.
 */
#ifndef DUB_SCHEMA_H
#define DUB_SCHEMA_H

#include <stddef.h>

#include "plan.h"
#include "util.h"

enum schema_place {
    SCHEMA_TOP,   /* the top of a manifest: struct manifest */
    SCHEMA_JOB,   /* a job, defaults:, a CSV column: struct manifest_job */
    SCHEMA_PRICE, /* inside pricing: struct plan_pricing */
};

enum schema_type {
    SCHEMA_INT,      /* a whole number in min..max (int) */
    SCHEMA_NUMBER,   /* a number in min..max (double) */
    SCHEMA_SPEED,    /* a number in the endpoint's voice speed range */
    SCHEMA_WORD,     /* one of words, stored as its index (an enum) */
    SCHEMA_NAME,     /* one of words, stored as the word (char *) */
    SCHEMA_VOICE,    /* one of the published voices (char *) */
    SCHEMA_STRING,   /* a non-empty string (char *) */
    SCHEMA_INPUT,    /* a local path or an https:// URL (char *) */
    SCHEMA_TEXT,     /* 1..text_max Unicode characters (char *) */
    SCHEMA_ID,       /* a job id (char *) */
    SCHEMA_PRICING,  /* {rate, increment}, or one per endpoint name */
    SCHEMA_DEFAULTS, /* job keys applied to every job */
    SCHEMA_JOBS,     /* the list of jobs */
};

/* Endpoints as bits. */
#define SCHEMA_A2V (1u << PLAN_A2V)
#define SCHEMA_T2V (1u << PLAN_T2V)
#define SCHEMA_ANY (SCHEMA_A2V | SCHEMA_T2V)

struct schema_key {
    const char *name;
    enum schema_place place;
    enum schema_type type;
    unsigned endpoints;       /* SCHEMA_A2V|T2V: where the key may be used */
    unsigned needed;          /* endpoints whose every job must have it */
    double min, max;          /* INT, NUMBER; ID: most characters */
    const char *const *words; /* WORD, NAME, VOICE */
    size_t nwords[2];         /* the words each endpoint takes: a prefix */
    const char *def;          /* the default as a manifest writes it */
    const char *alias_of;     /* an older spelling of that key */
    size_t offset;            /* where the value goes in its place's struct */
    const char *doc;          /* for people; see schema_doc() */
};

/* Most keys the table holds, for arrays indexed by key. */
#define SCHEMA_MAX_KEYS 32

/* The table, in the order the README and the JSON Schema list it. */
const struct schema_key *schema_keys(size_t *n);
/* The key called name in place, with an older spelling resolved to the
 * key it stands for when real is non-NULL; NULL when there is none. */
const struct schema_key *schema_find(enum schema_place place,
                                     const char *name,
                                     const struct schema_key **real);
/* The nearest key name of place to word, for "did you mean"; or NULL. */
const char *schema_suggest(enum schema_place place, const char *word);
/* "unknown key 'vidoe'; did you mean 'video'?": what to say of word,
 * which is no key of place, appended to msg. */
void schema_unknown(enum schema_place place, const char *word,
                    struct buf *msg);
/* The nearest of n candidates to word, close enough to suggest; or NULL. */
const char *schema_nearest(const char *word, const char *const *cands,
                           size_t n);
/* 1 when c may be in a job id: [A-Za-z0-9._-]. */
int schema_id_char(int c);
/* Turns what an id cannot hold in s into '_'. */
void schema_id_safe(char *s);
/* The range a number or a length must be in. */
void schema_range(const struct schema_key *k, double *lo, double *hi);
/* The key's doc with {min}, {max}, {default} and the endpoint limits
 * ({side_min}, {video_max}, ...) filled in, appended to out. */
void schema_doc(const struct schema_key *k, struct buf *out);

/* The JSON Schema of a manifest (manifests/schema.json); caller frees. */
char *schema_json(void);
/* The README's table of manifest keys and the manifest limits, in
 * Markdown. */
void schema_markdown(struct buf *out);

#endif
