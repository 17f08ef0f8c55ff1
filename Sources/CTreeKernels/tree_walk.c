#include "tree_walk.h"

/* One step: the node's split, the key of its column, and the right child less the compare's borrow. */
#define STEP(a) ((a) = link[a].right - (keys[split[a].column] < split[a].threshold))

float fs_tree_walk(const fs_walk_model *m, const uint32_t *keys, float acc) {
    const fs_walk_split *split = m->split;
    const fs_walk_link *link = m->link;
    int32_t left = m->tree_count;
    for (int32_t g = 0; g < m->group_count; g++, left -= FS_WALK_GROUP) {
        const uint32_t *r = m->group_roots + FS_WALK_GROUP * g;
        /* Eight independent walks in registers: the CPU overlaps their chains of loads. */
        uint32_t a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5], a6 = r[6], a7 = r[7];
        for (int32_t s = m->group_steps[g]; s > 0; s--) {
            STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5); STEP(a6); STEP(a7);
        }
        if (left >= FS_WALK_GROUP) {
            acc += link[a0].value; acc += link[a1].value; acc += link[a2].value; acc += link[a3].value;
            acc += link[a4].value; acc += link[a5].value; acc += link[a6].value; acc += link[a7].value;
        } else {
            /* The last, partial group: only its real trees (adding a padding 0 could turn -0 into +0). */
            uint32_t at[FS_WALK_GROUP] = {a0, a1, a2, a3, a4, a5, a6, a7};
            for (int32_t i = 0; i < left; i++) acc += link[at[i]].value;
        }
    }
    return acc;
}
