#ifndef FRAUDSCORE_TREE_KERNELS_H
#define FRAUDSCORE_TREE_KERNELS_H

#include <stdint.h>

/* Rows per block of fs_tree_block_add: four AVX2 vectors of eight Float32 lanes. */
#define FS_TREE_BLOCK_ROWS 32

/*
 * A tree ensemble for blocks of rows, QuickScorer-style within each tree (Lucchese et al., SIGIR 2015):
 * a tree's leaves are numbered left to right (at most 32) and every split that sends a row right
 * clears, in that row's 32-bit word, the leaves of its left subtree; the row's exit leaf is then the
 * lowest bit left set. Every split of a tree is compared for every row of the block, with no
 * data-dependent branch or load: the work is vector compares over columns, not chains of loads.
 */
typedef struct {
    int32_t tree_count;
    /* Tree t's splits are split_start[t] ..< split_start[t + 1]. */
    const int32_t *split_start;
    /* Per split: the offset, in floats, of the column it compares in the block's columns. */
    const uint32_t *column;
    /* Per split: a row goes right when its column value >= threshold (Float32, ordered compare). */
    const float *threshold;
    /* Per split: the leaves of its left subtree, bit k for leaf k. */
    const uint32_t *left_leaves;
    /* 32 per tree: leaf k's value, 0 past the tree's last leaf. */
    const float *leaf_values;
} fs_tree_block_model;

/* 1 when the CPU and the OS run AVX2 (the block kernel), 0 otherwise. */
int fs_tree_block_available(void);

/*
 * Adds each tree's leaf value, tree after tree, to acc[r] for the FS_TREE_BLOCK_ROWS rows of a block.
 * `columns` holds column c's FS_TREE_BLOCK_ROWS values at columns + c (offsets from `column`).
 * Only call when fs_tree_block_available() returned 1.
 */
void fs_tree_block_add(const fs_tree_block_model *model, const float *columns, float *acc);

#endif
