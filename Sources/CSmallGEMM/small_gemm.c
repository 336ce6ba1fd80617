#include "small_gemm.h"
#include <stddef.h>

#ifdef SPIKESAE_HAVE_LIBXSMM
#include <libxsmm.h>

int spikesae_small_gemm_available(void) { return 1; }

/* libxsmm is column-major: row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, and a row-major
 * buffer read column-major is its transpose, so the kernel is (n, m, k) with the operands swapped. */
const void *spikesae_small_gemm_kernel(int m, int n, int k, int lda, int ldb, int ldc, int beta_one) {
    const libxsmm_blasint ld_first = ldb, ld_second = lda, ld_out = ldc;
    const float alpha = 1.0f, beta = beta_one ? 1.0f : 0.0f;
    const int flags = LIBXSMM_GEMM_FLAG_NONE, prefetch = LIBXSMM_PREFETCH_NONE;
    libxsmm_smmfunction f = libxsmm_smmdispatch(n, m, k, &ld_first, &ld_second, &ld_out,
                                                &alpha, &beta, &flags, &prefetch);
    return (const void *)f;
}

void spikesae_small_gemm_run(const void *kernel, const float *a, const float *b, float *c) {
    ((libxsmm_smmfunction)kernel)(b, a, c);
}

#else

int spikesae_small_gemm_available(void) { return 0; }
const void *spikesae_small_gemm_kernel(int m, int n, int k, int lda, int ldb, int ldc, int beta_one) {
    (void)m; (void)n; (void)k; (void)lda; (void)ldb; (void)ldc; (void)beta_one;
    return NULL;
}
void spikesae_small_gemm_run(const void *kernel, const float *a, const float *b, float *c) {
    (void)kernel; (void)a; (void)b; (void)c;
}

#endif
