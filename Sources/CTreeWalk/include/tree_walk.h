#ifndef FRAUDSCORE_TREE_WALK_H
#define FRAUDSCORE_TREE_WALK_H

#include <stdint.h>

/// A tree ensemble as TreeEnsemble lays it out (Sources/Models/TreeEnsemble.swift): per node a
/// threshold, a link {feature, left child} and a leaf value; trees in groups of eight, each group
/// with its eight root node numbers (the last group padded with node 0, a self-looping leaf) and
/// the number of steps that brings all eight to a leaf.
typedef struct {
    const float *thresholds;
    const int32_t *links;        /* 2 per node: feature, left child (right = left + 1) */
    const float *values;
    const int32_t *group_roots;  /* 8 per group */
    const int32_t *group_steps;  /* 1 per group */
    int32_t tree_count;
} fs_forest;

/// 1 when this CPU and OS run AVX2 (CPUID and XGETBV), else 0; decided once per process.
int fs_tree_walk_avx2(void);

/// For one row of finite Float32 features: walks groups [first, end) eight trees at a time with
/// AVX2 gathers (one step of eight trees is four gathers, a compare and a subtract) and adds each
/// tree's leaf value to *acc in tree order, in Float32: exactly what the scalar walk gives.
/// Call only when fs_tree_walk_avx2() is 1.
void fs_tree_walk_groups(const fs_forest *forest, int32_t first, int32_t end, const float *row, float *acc);

#endif
