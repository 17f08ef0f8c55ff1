#include "tree_walk.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    /* OSXSAVE and AVX, then the OS saves the YMM registers (XCR0 bits 1 and 2). */
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b & bit_AVX2) != 0;
}

int fs_tree_walk_avx2(void) {
    static int known = -1;
    if (known < 0) known = detect();
    return known;
}

__attribute__((target("avx2")))
void fs_tree_walk_groups(const fs_forest *f, int32_t first, int32_t end, const float *row, float *acc) {
    const int *features = (const int *)f->links;
    const int *lefts = (const int *)f->links + 1;
    float a = *acc;
    for (int32_t g = first; g < end; g++) {
        __m256i node = _mm256_loadu_si256((const __m256i *)(f->group_roots + 8 * g));
        for (int32_t s = f->group_steps[g]; s > 0; s--) {
            __m256i feature = _mm256_i32gather_epi32(features, node, 8);
            __m256i left = _mm256_i32gather_epi32(lefts, node, 8);
            __m256 threshold = _mm256_i32gather_ps(f->thresholds, node, 4);
            __m256 x = _mm256_i32gather_ps(row, feature, 4);
            /* x >= threshold: all ones (-1), so left - (-1) is the right child. A leaf's +inf keeps every finite x on it. */
            __m256i right = _mm256_castps_si256(_mm256_cmp_ps(x, threshold, _CMP_GE_OQ));
            node = _mm256_sub_epi32(left, right);
        }
        float leaf[8];
        _mm256_storeu_ps(leaf, _mm256_i32gather_ps(f->values, node, 4));
        /* Tree order, one Float32 add at a time; a padded lane of the last group adds nothing. */
        int32_t trees = f->tree_count - 8 * g;
        if (trees >= 8) {
            a += leaf[0]; a += leaf[1]; a += leaf[2]; a += leaf[3];
            a += leaf[4]; a += leaf[5]; a += leaf[6]; a += leaf[7];
        } else {
            for (int32_t k = 0; k < trees; k++) a += leaf[k];
        }
    }
    *acc = a;
}

#else

int fs_tree_walk_avx2(void) { return 0; }

void fs_tree_walk_groups(const fs_forest *f, int32_t first, int32_t end, const float *row, float *acc) {
    (void)f; (void)first; (void)end; (void)row; (void)acc;
}

#endif
