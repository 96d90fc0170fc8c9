/*
 * wire: facts and plans as JSON, for the media worker protocol and the
 * reports.  The only place that knows the JSON names of their fields, so a
 * worker and the main process cannot disagree.
 *
 * Builders return a new cJSON object owned by the caller.  Parsers fill the
 * caller's struct (zeroed first) and return -1 when obj is not an object.
 */
#ifndef DUB_WIRE_H
#define DUB_WIRE_H

#include "facts.h"
#include "plan.h"

struct cJSON;

struct cJSON *wire_facts(const struct facts *f);
int wire_facts_parse(const struct cJSON *obj, struct facts *f);

struct cJSON *wire_plan_video(const struct plan_video *v);
int wire_plan_video_parse(const struct cJSON *obj, struct plan_video *v);

struct cJSON *wire_plan_audio(const struct plan_audio *a);
int wire_plan_audio_parse(const struct cJSON *obj, struct plan_audio *a);

#endif
