#ifndef SPIKESAE_SMALL_GEMM_H
#define SPIKESAE_SMALL_GEMM_H
/* Small single-precision GEMMs through libxsmm's JIT kernels, when this build found libxsmm
 * (Package.swift defines SPIKESAE_HAVE_LIBXSMM). Row-major, alpha = 1, beta 0 or 1, no
 * transposes: the shapes of the model's per-time-step products. docs/performance.md says which
 * shapes go here and why. Without libxsmm every function reports "no kernel" and the caller keeps
 * OpenBLAS. */

/* 1 if this build links libxsmm. */
int spikesae_small_gemm_available(void);

/* A JIT kernel for C[m,n] = A[m,k]·B[k,n] + beta·C (row-major, leading dimensions lda, ldb, ldc),
 * or NULL when libxsmm is absent or cannot generate it. Kernels live until the process ends. */
const void *spikesae_small_gemm_kernel(int m, int n, int k, int lda, int ldb, int ldc, int beta_one);

/* Runs a kernel from spikesae_small_gemm_kernel on A, B and C. */
void spikesae_small_gemm_run(const void *kernel, const float *a, const float *b, float *c);

/* 1 if this CPU runs spikesae_tiled_gemm (x86-64 with AVX2 and FMA). */
int spikesae_tiled_gemm_available(void);

/* C[m,n] = A[m,k]·B[k,n] + (beta_one ? C : 0), row-major with leading dimensions lda, ldb, ldc.
 * Only where spikesae_tiled_gemm_available(). */
void spikesae_tiled_gemm(long m, long n, long k, const float *a, long lda,
                         const float *b, long ldb, float *c, long ldc, int beta_one);

#endif
