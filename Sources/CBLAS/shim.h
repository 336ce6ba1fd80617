#include <cblas.h>
// Declared by OpenBLAS but not in every cblas.h.
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
// LAPACK solvers exported by OpenBLAS (Fortran calling convention: every argument by pointer;
// one-character arguments need no hidden length on the platforms OpenBLAS supports in practice).
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv,
            double *b, const int *ldb, int *info);
