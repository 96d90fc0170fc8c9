/*
 * scene: the long-scene media ops' results (scene.h).
 */
#include "scene.h"

#include <stdlib.h>
#include <string.h>

void scene_analysis_release(struct scene_analysis *a)
{
    free(a->levels);
    free(a->shots);
    memset(a, 0, sizeof(*a));
}
