#include "tree_lanes.h"

#if defined(__x86_64__)
#include <immintrin.h>

/*
 * Each lane's position is kept as o = 8p + lane, the offset of its threshold (and, one plane on,
 * its column) in the group's nodes. From p to its child 2p + 2 + left (left = -1 or 0):
 * o' = 2o + 16 - lane + 8 left. The row's keys for the used columns are in registers (up to 32:
 * permutes and blends) or, past that, in memory (a gather).
 */
typedef struct {
    __m256i k0, k1, k2, k3;
    const int32_t *memory;
} keyset;

#define AVX2 __attribute__((target("avx2"), always_inline)) static inline

/* Lane i: key[column[i]], from `regs` registers of eight keys (0: from memory). */
AVX2 __m256i lookup(const keyset *k, __m256i column, int regs) {
    if (regs == 0) return _mm256_i32gather_epi32(k->memory, column, 4);
    if (regs == 1) return _mm256_permutevar8x32_epi32(k->k0, column);
    __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(column, 28));
    __m256 low = _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_permutevar8x32_epi32(k->k0, column)),
                                  _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(k->k1, column)), bit3);
    if (regs == 2) return _mm256_castps_si256(low);
    __m256 high = _mm256_blendv_ps(_mm256_castsi256_ps(_mm256_permutevar8x32_epi32(k->k2, column)),
                                   _mm256_castsi256_ps(_mm256_permutevar8x32_epi32(k->k3, column)), bit3);
    return _mm256_castps_si256(_mm256_blendv_ps(low, high, _mm256_castsi256_ps(_mm256_slli_epi32(column, 27))));
}

/* -1 in the lanes whose row goes left of threshold. */
AVX2 __m256i goes_left(const keyset *k, __m256i threshold, __m256i column, int regs) {
    return _mm256_cmpgt_epi32(threshold, lookup(k, column, regs));
}

/* The first two levels, whose splits are loaded, not gathered: position 0, then 1 or 2 (a blend). */
AVX2 __m256i begin(const int32_t *n, int32_t depth, const keyset *k, __m256i lane, int regs) {
    if (depth == 0) return lane;
    const int32_t *c = n + 8 * ((1 << depth) - 1);
    __m256i left = goes_left(k, _mm256_loadu_si256((const __m256i *)n), _mm256_loadu_si256((const __m256i *)c), regs);
    if (depth >= 2) {
        __m256 l = _mm256_castsi256_ps(left);
        __m256i threshold = _mm256_castps_si256(_mm256_blendv_ps(_mm256_loadu_ps((const float *)n + 16),
                                                                 _mm256_loadu_ps((const float *)n + 8), l));
        __m256i column = _mm256_castps_si256(_mm256_blendv_ps(_mm256_loadu_ps((const float *)c + 16),
                                                              _mm256_loadu_ps((const float *)c + 8), l));
        __m256i left2 = goes_left(k, threshold, column, regs);
        /* Position 2 + left, then its child 2p + 2 + left2: 6 + 2 left + left2. */
        return _mm256_add_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32(48)),
                                _mm256_add_epi32(_mm256_slli_epi32(left, 4), _mm256_slli_epi32(left2, 3)));
    }
    return _mm256_add_epi32(_mm256_add_epi32(lane, _mm256_set1_epi32(16)), _mm256_slli_epi32(left, 3));
}

/* One level down from positions o, for a group whose columns start `plane` int32s after its thresholds. */
AVX2 __m256i step(const int32_t *n, int32_t plane, const keyset *k, __m256i o, __m256i next, int regs) {
    __m256i threshold = _mm256_i32gather_epi32(n, o, 4);
    __m256i column = _mm256_i32gather_epi32(n + plane, o, 4);
    __m256i left = goes_left(k, threshold, column, regs);
    return _mm256_add_epi32(_mm256_add_epi32(o, o), _mm256_add_epi32(next, _mm256_slli_epi32(left, 3)));
}

/* The group's leaf values at positions o, added onto acc in tree order. */
AVX2 float add_leaves(const fs_lanes_model *m, const fs_lanes_group *group, __m256i o, float acc) {
    __m256i slot = _mm256_sub_epi32(o, _mm256_set1_epi32(((1 << group->depth) - 1) * 8));
    float v[FS_LANES];
    _mm256_storeu_ps(v, _mm256_i32gather_ps(m->leaves + group->leaf_offset, slot, 4));
    if (group->trees == FS_LANES) {
        acc += v[0]; acc += v[1]; acc += v[2]; acc += v[3];
        acc += v[4]; acc += v[5]; acc += v[6]; acc += v[7];
    } else {
        /* Only the real trees: adding a padding 0 could turn -0 into +0. */
        for (int32_t i = 0; i < group->trees; i++) acc += v[i];
    }
    return acc;
}

AVX2 float lanes(const fs_lanes_model *m, const keyset *k, float acc, int regs) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i next = _mm256_sub_epi32(_mm256_set1_epi32(16), lane);
    const fs_lanes_group *g = m->groups, *end = m->groups + m->group_count;
    /* Four groups of one depth at once: four independent chains of gathers for the CPU to overlap. */
    while (end - g >= 4 && g[1].depth == g[0].depth && g[2].depth == g[0].depth && g[3].depth == g[0].depth) {
        int32_t depth = g->depth, plane = 8 * ((1 << depth) - 1);
        const int32_t *n0 = m->nodes + g[0].node_offset, *n1 = m->nodes + g[1].node_offset;
        const int32_t *n2 = m->nodes + g[2].node_offset, *n3 = m->nodes + g[3].node_offset;
        __m256i o0 = begin(n0, depth, k, lane, regs), o1 = begin(n1, depth, k, lane, regs);
        __m256i o2 = begin(n2, depth, k, lane, regs), o3 = begin(n3, depth, k, lane, regs);
        for (int32_t d = depth - 2; d > 0; d--) {
            o0 = step(n0, plane, k, o0, next, regs); o1 = step(n1, plane, k, o1, next, regs);
            o2 = step(n2, plane, k, o2, next, regs); o3 = step(n3, plane, k, o3, next, regs);
        }
        acc = add_leaves(m, g, o0, acc); acc = add_leaves(m, g + 1, o1, acc);
        acc = add_leaves(m, g + 2, o2, acc); acc = add_leaves(m, g + 3, o3, acc);
        g += 4;
    }
    for (; g < end; g++) {
        int32_t depth = g->depth, plane = 8 * ((1 << depth) - 1);
        const int32_t *n = m->nodes + g->node_offset;
        __m256i o = begin(n, depth, k, lane, regs);
        for (int32_t d = depth - 2; d > 0; d--) o = step(n, plane, k, o, next, regs);
        acc = add_leaves(m, g, o, acc);
    }
    return acc;
}

/*
 * Column c's key for a row, sign bit flipped (tree_lanes.h): feature c / 2 rounded to Float32, a
 * missing value below every threshold in even columns and above every one in odd columns.
 */
static inline int32_t flipped_key(float x, uint32_t column) {
    uint32_t k;
    if (x != x) {
        k = (column & 1) ? 0xFFFFFFFEu : 0u;
    } else {
        uint32_t b;
        __builtin_memcpy(&b, &x, sizeof b);
        k = b ^ ((uint32_t)((int32_t)b >> 31) | 0x80000000u);
        if (k == 0x7FFFFFFFu) k = 0x80000000u; /* -0 is +0 */
    }
    return (int32_t)(k ^ 0x80000000u);
}

/* The row's keys for the used columns, into registers (up to 32) or memory, then the groups. */
#define LANES_BODY(VALUE)                                                                              \
    int32_t n = m->column_count, padded = n <= 32 ? 32 : n;                                            \
    int32_t flipped[padded];                                                                           \
    for (int32_t i = 0; i < n; i++) {                                                                  \
        uint32_t c = (uint32_t)m->columns[i];                                                          \
        flipped[i] = flipped_key(VALUE(c >> 1), c);                                                    \
    }                                                                                                  \
    for (int32_t i = n; i < padded; i++) flipped[i] = 0;                                               \
    keyset k = {                                                                                       \
        _mm256_loadu_si256((const __m256i *)flipped), _mm256_loadu_si256((const __m256i *)flipped + 1),  \
        _mm256_loadu_si256((const __m256i *)flipped + 2), _mm256_loadu_si256((const __m256i *)flipped + 3), \
        flipped};                                                                                      \
    if (n <= 8) return lanes(m, &k, acc, 1);                                                           \
    if (n <= 16) return lanes(m, &k, acc, 2);                                                          \
    if (n <= 32) return lanes(m, &k, acc, 4);                                                          \
    return lanes(m, &k, acc, 0);

__attribute__((target("avx2")))
float fs_tree_lanes_f32(const fs_lanes_model *m, const float *row, float acc) {
#define F32(f) row[f]
    LANES_BODY(F32)
#undef F32
}

__attribute__((target("avx2")))
float fs_tree_lanes_f64(const fs_lanes_model *m, const double *row, float acc) {
#define F64(f) ((float)row[f])
    LANES_BODY(F64)
#undef F64
}

#else

float fs_tree_lanes_f32(const fs_lanes_model *m, const float *row, float acc) {
    (void)m; (void)row;
    return acc;
}

float fs_tree_lanes_f64(const fs_lanes_model *m, const double *row, float acc) {
    (void)m; (void)row;
    return acc;
}

#endif
