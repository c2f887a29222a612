#include <cblas.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
/// Flush denormal floats to zero (FTZ) and treat denormal inputs as zero (DAZ) on the calling
/// thread: tiny gradients otherwise make SIMD arithmetic a hundred times slower.
static inline void dlg_flush_denormals(void) { _mm_setcsr(_mm_getcsr() | 0x8040); }
#else
static inline void dlg_flush_denormals(void) {}
#endif
