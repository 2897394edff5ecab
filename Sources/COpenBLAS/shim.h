// The system OpenBLAS, used only with the `OpenBLAS` package trait: its CBLAS interface, and the
// LAPACK routines it ships, declared here through their Fortran symbols (column-major, every
// argument by pointer) because OpenBLAS installs no LAPACK header of its own and LAPACKE would
// be a second library to find. Each character argument is followed, after the listed arguments,
// by the hidden length gfortran passes for it (always 1 here); OpenBLAS's own C versions of
// potrf/getrf/getrs/trtrs ignore it.
#include <cblas.h>
#include <stddef.h>

void spotrf_(const char *uplo, const blasint *n, float *a, const blasint *lda, blasint *info, size_t);
void dpotrf_(const char *uplo, const blasint *n, double *a, const blasint *lda, blasint *info, size_t);

void sgetrf_(const blasint *m, const blasint *n, float *a, const blasint *lda, blasint *ipiv, blasint *info);
void dgetrf_(const blasint *m, const blasint *n, double *a, const blasint *lda, blasint *ipiv, blasint *info);

void sgetrs_(const char *trans, const blasint *n, const blasint *nrhs, const float *a, const blasint *lda,
             const blasint *ipiv, float *b, const blasint *ldb, blasint *info, size_t);
void dgetrs_(const char *trans, const blasint *n, const blasint *nrhs, const double *a, const blasint *lda,
             const blasint *ipiv, double *b, const blasint *ldb, blasint *info, size_t);

void strtrs_(const char *uplo, const char *trans, const char *diag, const blasint *n, const blasint *nrhs,
             const float *a, const blasint *lda, float *b, const blasint *ldb, blasint *info, size_t, size_t, size_t);
void dtrtrs_(const char *uplo, const char *trans, const char *diag, const blasint *n, const blasint *nrhs,
             const double *a, const blasint *lda, double *b, const blasint *ldb, blasint *info, size_t, size_t, size_t);

void sgeqrf_(const blasint *m, const blasint *n, float *a, const blasint *lda, float *tau, float *work,
             const blasint *lwork, blasint *info);
void dgeqrf_(const blasint *m, const blasint *n, double *a, const blasint *lda, double *tau, double *work,
             const blasint *lwork, blasint *info);

void sorgqr_(const blasint *m, const blasint *n, const blasint *k, float *a, const blasint *lda, const float *tau,
             float *work, const blasint *lwork, blasint *info);
void dorgqr_(const blasint *m, const blasint *n, const blasint *k, double *a, const blasint *lda, const double *tau,
             double *work, const blasint *lwork, blasint *info);

void ssyevd_(const char *jobz, const char *uplo, const blasint *n, float *a, const blasint *lda, float *w,
             float *work, const blasint *lwork, blasint *iwork, const blasint *liwork, blasint *info, size_t, size_t);
void dsyevd_(const char *jobz, const char *uplo, const blasint *n, double *a, const blasint *lda, double *w,
             double *work, const blasint *lwork, blasint *iwork, const blasint *liwork, blasint *info, size_t, size_t);

void sgesdd_(const char *jobz, const blasint *m, const blasint *n, float *a, const blasint *lda, float *s,
             float *u, const blasint *ldu, float *vt, const blasint *ldvt, float *work, const blasint *lwork,
             blasint *iwork, blasint *info, size_t);
void dgesdd_(const char *jobz, const blasint *m, const blasint *n, double *a, const blasint *lda, double *s,
             double *u, const blasint *ldu, double *vt, const blasint *ldvt, double *work, const blasint *lwork,
             blasint *iwork, blasint *info, size_t);
