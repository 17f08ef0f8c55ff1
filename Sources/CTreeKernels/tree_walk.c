#include "tree_walk.h"

/*
 * One step: the node's split, the key of its column, and the right child less the compare's borrow.
 * Packed, the split's second word is the right child << 8 | the column: one line per step, not two.
 */
#define STEP(a)                                                                          \
    do {                                                                                 \
        if (packed) {                                                                    \
            uint32_t w = split[a].column;                                                \
            (a) = (w >> 8) - (keys[w & 0xff] < split[a].threshold);                      \
        } else {                                                                         \
            (a) = right[a] - (keys[split[a].column] < split[a].threshold);               \
        }                                                                                \
    } while (0)

static inline __attribute__((always_inline))
float walk(const fs_walk_model *m, const uint32_t *keys, float acc, int packed) {
    const fs_walk_split *split = m->split;
    const uint32_t *right = m->right;
    const float *value = m->value;
    int32_t left = m->tree_count;
    for (int32_t g = 0; g < m->group_count; g++, left -= FS_WALK_GROUP) {
        const uint32_t *r = m->group_roots + FS_WALK_GROUP * g;
        /* Ten independent walks in registers: the CPU overlaps their chains of loads. */
        uint32_t a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5], a6 = r[6], a7 = r[7], a8 = r[8], a9 = r[9];
        for (int32_t s = m->group_steps[g]; s > 0; s--) {
            STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5); STEP(a6); STEP(a7); STEP(a8); STEP(a9);
        }
        if (left >= FS_WALK_GROUP) {
            acc += value[a0]; acc += value[a1]; acc += value[a2]; acc += value[a3];
            acc += value[a4]; acc += value[a5]; acc += value[a6]; acc += value[a7];
            acc += value[a8]; acc += value[a9];
        } else {
            /* The last, partial group: only its real trees (adding a padding 0 could turn -0 into +0). */
            uint32_t at[FS_WALK_GROUP] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9};
            for (int32_t i = 0; i < left; i++) acc += value[at[i]];
        }
    }
    return acc;
}

float fs_tree_walk(const fs_walk_model *m, const uint32_t *keys, float acc) {
    return m->right ? walk(m, keys, acc, 0) : walk(m, keys, acc, 1);
}
