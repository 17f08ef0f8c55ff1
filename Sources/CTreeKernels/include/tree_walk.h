#ifndef FRAUDSCORE_TREE_WALK_H
#define FRAUDSCORE_TREE_WALK_H

#include <stdint.h>

/* Trees walked ten at a time for one row (portable C, no vector instructions). */
#define FS_WALK_GROUP 10

/*
 * Node i of an ensemble is split[i], right[i] and value[i]. Values are compared as order-preserving
 * unsigned keys: a row goes to right[i] (its right child: children are adjacent) when the key of its
 * value in `column` is >= threshold, else to the node before it (its left child). That is one
 * unsigned compare whose borrow is subtracted from the right child's index: no branch and no flag
 * turned into a value. A leaf's threshold is UINT32_MAX, above every key, and its right is itself
 * + 1, so steps keep a row on it; value[i] is a leaf's value.
 *
 * Packed (right == NULL, for ensembles of fewer than 2^24 nodes and 256 columns), a split's
 * `column` holds right << 8 | column, so a step reads one line of splits instead of two.
 */
typedef struct {
    uint32_t threshold;
    uint32_t column;
} fs_walk_split;

typedef struct {
    const fs_walk_split *split;
    /* NULL when the splits are packed. */
    const uint32_t *right;
    const float *value;
    /* FS_WALK_GROUP roots per group of trees; the last group is padded with node 0, a leaf. */
    const uint32_t *group_roots;
    /* Per group: the steps that bring each of its trees to a leaf (the deepest of them). */
    const int32_t *group_steps;
    int32_t group_count;
    int32_t tree_count;
} fs_walk_model;

/*
 * acc plus each tree's leaf value for the row whose column keys are `keys`, added in Float32 in tree
 * order (XGBoost's accumulation).
 */
float fs_tree_walk(const fs_walk_model *model, const uint32_t *keys, float acc);

#endif
