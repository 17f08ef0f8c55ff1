#ifndef FRAUDSCORE_TREE_LANES_H
#define FRAUDSCORE_TREE_LANES_H

#include <stdint.h>

/* Trees per group of fs_tree_lanes: one per lane of an AVX2 vector. */
#define FS_LANES 8
/* The deepest group fs_tree_lanes takes: a group of depth d stores 2^d - 1 positions of splits. */
#define FS_LANES_MAX_DEPTH 8

/*
 * One row through eight trees at once, one tree per vector lane. A group's trees are laid out as
 * complete trees of the group's depth d, breadth-first: position p's children are 2p + 1 and 2p + 2,
 * and every row takes exactly d steps. A leaf above the last level becomes a split that sends every
 * row left (threshold INT32_MAX) down to the leftmost slot under it, which holds its value.
 *
 * Splits compare keys: the walk's (tree_walk.h: order-preserving unsigned keys, two columns per
 * feature, which differ only for a missing value) with the sign bit flipped, so that a signed
 * compare orders them; a row goes right when key >= threshold. Splits name their column by its
 * index in `columns`, the key columns the ensemble uses, whose keys are computed from the row once
 * and, up to 32 of them, held in four registers: no gather for them.
 */
typedef struct {
    /* In int32s from `nodes`: the group's thresholds (8 per position), then its columns (as many). */
    int32_t node_offset;
    /* In floats from `leaves`: the group's leaf values, 8 per leaf slot (slot s is position 2^d - 1 + s). */
    int32_t leaf_offset;
    int32_t depth;
    /* Trees in the group that are real (the last group's other lanes are padding, never added). */
    int32_t trees;
} fs_lanes_group;

typedef struct {
    const int32_t *nodes;
    const float *leaves;
    const fs_lanes_group *groups;
    int32_t group_count;
    /* The key column of each column index the splits use. */
    const int32_t *columns;
    int32_t column_count;
} fs_lanes_model;

/*
 * acc plus each tree's leaf value for `row` (Float32 features, NaN for missing), added in Float32 in
 * tree order. Only call when fs_tree_block_available() returned 1 (AVX2).
 */
float fs_tree_lanes_f32(const fs_lanes_model *model, const float *row, float acc);

/* The same for a row of Double features, each rounded to Float32 first (XGBoost's input type). */
float fs_tree_lanes_f64(const fs_lanes_model *model, const double *row, float acc);

#endif
