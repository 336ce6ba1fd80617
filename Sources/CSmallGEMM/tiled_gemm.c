#include "small_gemm.h"

/* A register-tiled single-precision GEMM for the model's shapes (docs/performance.md, "Own
 * register-tiled kernel"). It reads both operands where they are, with no packing: for a row-major
 * B, a k-step of a 6×16 tile is two vector loads of B's row k, six broadcasts of A[i, k] and twelve
 * FMAs into accumulators that stay in registers (twelve plus three operands fill the sixteen ymm
 * registers; a 4×24 tile spilled). Blocking over k bounds the rows a tile walks; which loop runs
 * outermost keeps the reused block in L2. Built for AVX2 with FMA through
 * target attributes and used only when the CPU has both, so a baseline build runs anywhere. */

#if defined(__x86_64__)
#include <immintrin.h>

#define TILED_TARGET __attribute__((target("avx2,fma")))
#define TILED_INLINE static inline __attribute__((always_inline)) TILED_TARGET

enum { KC = 256, MR = 6, L2_BLOCK_BYTES = 256 * 1024 };

int spikesae_tiled_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* One mr × (8·nv) tile of C over kc steps of k; the last vector of a row is masked when `masked`.
 * The accumulators start at zero and are added to C (beta_one) or stored over it. */
TILED_INLINE void tile(const int mr, const int nv, const int masked, __m256i mask, long kc,
                       const float *a, long lda, const float *b, long ldb,
                       float *c, long ldc, int beta_one) {
    __m256 acc[MR][2];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) acc[r][v] = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        const float *bp = b + p * ldb, *ap = a + p;
        __m256 bv[2];
        for (int v = 0; v < nv; v++)
            bv[v] = (masked && v == nv - 1) ? _mm256_maskload_ps(bp + 8 * v, mask) : _mm256_loadu_ps(bp + 8 * v);
        for (int r = 0; r < mr; r++) {
            const __m256 av = _mm256_broadcast_ss(ap + r * lda);
            for (int v = 0; v < nv; v++) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < mr; r++) {
        float *cr = c + r * ldc;
        for (int v = 0; v < nv; v++) {
            __m256 x = acc[r][v];
            if (masked && v == nv - 1) {
                if (beta_one) x = _mm256_add_ps(_mm256_maskload_ps(cr + 8 * v, mask), x);
                _mm256_maskstore_ps(cr + 8 * v, mask, x);
            } else {
                if (beta_one) x = _mm256_add_ps(_mm256_loadu_ps(cr + 8 * v), x);
                _mm256_storeu_ps(cr + 8 * v, x);
            }
        }
    }
}

/* Rows [0, m) of one column strip, MR rows at a time, then the m mod MR rows left. */
TILED_INLINE void strip(const int nv, const int masked, __m256i mask, long m, long kc,
                        const float *a, long lda, const float *b, long ldb,
                        float *c, long ldc, int beta_one) {
    long i = 0;
#define TILE(rows) tile(rows, nv, masked, mask, kc, a + i * lda, lda, b, ldb, c + i * ldc, ldc, beta_one)
    for (; i + MR <= m; i += MR) TILE(MR);
    switch (m - i) {
    case 5: TILE(5); break;
    case 4: TILE(4); break;
    case 3: TILE(3); break;
    case 2: TILE(2); break;
    case 1: TILE(1); break;
    default: break;
    }
#undef TILE
}

/* Columns [j, j + width) as one strip, 1 ≤ width ≤ 16. */
static TILED_TARGET void edge_strip(long width, long m, long kc, const float *a, long lda,
                                    const float *b, long ldb, float *c, long ldc, int beta_one) {
    const int nv = width > 8 ? 2 : 1;
    const int tail = (int)(width - 8 * (nv - 1));
    int lanes[8];
    for (int q = 0; q < 8; q++) lanes[q] = q < tail ? -1 : 0;
    const __m256i mask = _mm256_loadu_si256((const __m256i *)lanes);
    if (tail == 8) {
        if (nv == 2) strip(2, 0, mask, m, kc, a, lda, b, ldb, c, ldc, beta_one);
        else strip(1, 0, mask, m, kc, a, lda, b, ldb, c, ldc, beta_one);
    } else {
        if (nv == 2) strip(2, 1, mask, m, kc, a, lda, b, ldb, c, ldc, beta_one);
        else strip(1, 1, mask, m, kc, a, lda, b, ldb, c, ldc, beta_one);
    }
}

/* All of C over one block of kc steps of k. */
static TILED_TARGET void k_block(long m, long n, long kc, const float *a, long lda,
                                 const float *b, long ldb, float *c, long ldc, int beta_one) {
    const __m256i none = _mm256_setzero_si256();
    const long full = n - n % 16;
    if ((unsigned long)m * (unsigned long)kc * sizeof(float) <= L2_BLOCK_BYTES) {
        /* A's block stays in L2; each 16-column strip of B's block stays in L1 across the rows. */
        for (long j = 0; j < full; j += 16)
            strip(2, 0, none, m, kc, a, lda, b + j, ldb, c + j, ldc, beta_one);
        if (full < n) edge_strip(n - full, m, kc, a, lda, b + full, ldb, c + full, ldc, beta_one);
    } else {
        /* A is too tall for L2 (the input projections over all T·B rows): B's block stays in L2,
         * and each MR-row panel of A in L1 across the columns. */
        for (long i = 0; i < m; i += MR) {
            const long rows = m - i < MR ? m - i : MR;
            const float *ai = a + i * lda;
            float *ci = c + i * ldc;
            for (long j = 0; j < full; j += 16)
                strip(2, 0, none, rows, kc, ai, lda, b + j, ldb, ci + j, ldc, beta_one);
            if (full < n) edge_strip(n - full, rows, kc, ai, lda, b + full, ldb, ci + full, ldc, beta_one);
        }
    }
}

void spikesae_tiled_gemm(long m, long n, long k, const float *a, long lda,
                         const float *b, long ldb, float *c, long ldc, int beta_one) {
    for (long p = 0; p < k; p += KC) {
        const long kc = k - p < KC ? k - p : KC;
        k_block(m, n, kc, a + p, lda, b + p * ldb, ldb, c, ldc, p == 0 ? beta_one : 1);
    }
}

#else

int spikesae_tiled_gemm_available(void) { return 0; }
void spikesae_tiled_gemm(long m, long n, long k, const float *a, long lda,
                         const float *b, long ldb, float *c, long ldc, int beta_one) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc; (void)beta_one;
}

#endif
