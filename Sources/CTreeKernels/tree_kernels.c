#include "tree_kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    /* AVX, and the OS saves YMM registers on a context switch (XCR0 bits 1 and 2). */
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & bit_AVX2) != 0;
}

int fs_tree_block_available(void) {
    static int known = -1;
    if (known < 0) known = detect();
    return known;
}

/* The index of each lane's lowest set bit (every lane has one: a tree's last leaf is in no left subtree). */
__attribute__((target("avx2")))
static inline __m256i lowest_bit(__m256i v) {
    __m256i low = _mm256_and_si256(v, _mm256_sub_epi32(_mm256_setzero_si256(), v));
    /* A power of two converts exactly; bit 31 becomes -2^31, whose exponent field is still 31 + 127. */
    __m256i e = _mm256_srli_epi32(_mm256_castps_si256(_mm256_cvtepi32_ps(low)), 23);
    return _mm256_sub_epi32(_mm256_and_si256(e, _mm256_set1_epi32(0xff)), _mm256_set1_epi32(127));
}

/* values[index] per lane for a 32-entry table held in four registers: permutes, no gather. */
__attribute__((target("avx2")))
static inline __m256 leaf_value(__m256i index, __m256 v0, __m256 v1, __m256 v2, __m256 v3) {
    __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(index, 28));
    __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(index, 27));
    __m256 low = _mm256_blendv_ps(_mm256_permutevar8x32_ps(v0, index), _mm256_permutevar8x32_ps(v1, index), bit3);
    __m256 high = _mm256_blendv_ps(_mm256_permutevar8x32_ps(v2, index), _mm256_permutevar8x32_ps(v3, index), bit3);
    return _mm256_blendv_ps(low, high, bit4);
}

__attribute__((target("avx2")))
void fs_tree_block_add(const fs_tree_block_model *m, const float *columns, float *acc) {
    __m256 a0 = _mm256_loadu_ps(acc), a1 = _mm256_loadu_ps(acc + 8);
    __m256 a2 = _mm256_loadu_ps(acc + 16), a3 = _mm256_loadu_ps(acc + 24);
    const __m256i all = _mm256_set1_epi32(-1);
    for (int32_t t = 0; t < m->tree_count; t++) {
        __m256i l0 = all, l1 = all, l2 = all, l3 = all;
        for (int32_t s = m->split_start[t], end = m->split_start[t + 1]; s < end; s++) {
            const float *c = columns + m->column[s];
            __m256 th = _mm256_broadcast_ss(m->threshold + s);
            __m256i left = _mm256_set1_epi32((int)m->left_leaves[s]);
            /* Right (x >= threshold): clear the left subtree's leaves. */
            l0 = _mm256_andnot_si256(_mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(c), th, _CMP_GE_OQ)), left), l0);
            l1 = _mm256_andnot_si256(_mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(c + 8), th, _CMP_GE_OQ)), left), l1);
            l2 = _mm256_andnot_si256(_mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(c + 16), th, _CMP_GE_OQ)), left), l2);
            l3 = _mm256_andnot_si256(_mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(c + 24), th, _CMP_GE_OQ)), left), l3);
        }
        const float *v = m->leaf_values + 32 * (int64_t)t;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16), v3 = _mm256_loadu_ps(v + 24);
        /* One tree at a time onto every row: each row's Float32 sum keeps the trees' order. */
        a0 = _mm256_add_ps(a0, leaf_value(lowest_bit(l0), v0, v1, v2, v3));
        a1 = _mm256_add_ps(a1, leaf_value(lowest_bit(l1), v0, v1, v2, v3));
        a2 = _mm256_add_ps(a2, leaf_value(lowest_bit(l2), v0, v1, v2, v3));
        a3 = _mm256_add_ps(a3, leaf_value(lowest_bit(l3), v0, v1, v2, v3));
    }
    _mm256_storeu_ps(acc, a0); _mm256_storeu_ps(acc + 8, a1);
    _mm256_storeu_ps(acc + 16, a2); _mm256_storeu_ps(acc + 24, a3);
}

#else

int fs_tree_block_available(void) { return 0; }

void fs_tree_block_add(const fs_tree_block_model *m, const float *columns, float *acc) {
    (void)m; (void)columns; (void)acc;
}

#endif
