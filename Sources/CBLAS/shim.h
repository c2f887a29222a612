#include <cblas.h>
#include "vector_math.h"
#if defined(__x86_64__)
#include <immintrin.h>
/// Flush denormal floats to zero (FTZ) and treat denormal inputs as zero (DAZ) on the calling
/// thread: tiny gradients otherwise make SIMD arithmetic a hundred times slower.
static inline void dlg_flush_denormals(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }

/// y = sqrt(x) over n floats with packed square roots. Swift's `Float.squareRoot()` and
/// `SIMD16.squareRoot()` compile to one scalar square root per element.
static inline void dlg_square_root(const float *x, float *y, long n) {
  long i = 0;
#if defined(__AVX__)
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
#endif
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
  for (; i < n; i++) _mm_store_ss(y + i, _mm_sqrt_ss(_mm_load_ss(x + i)));
}
#else
#include <math.h>
static inline void dlg_flush_denormals(void) {}
static inline void dlg_square_root(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = sqrtf(x[i]);
}
#endif
